// The availability page of a waitlisted class: the alternative trains (and, inside them, each
// train's class buttons) are lazy fragments. Without JavaScript the page links to the search.
import { loadFragments } from "../components/lazy-fragments.js";

loadFragments();
