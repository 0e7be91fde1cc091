"""Which English words a passenger sees on a page (the Hindi-page tests: tests/test_i18n.py,
tests/browser/test_i18n_browser.py). Data that stays English (station and train names,
passengers' names) is marked lang="en" translate="no" and skipped."""

import re
from html.parser import HTMLParser

# Words that stay as passengers know them in every language: the brand. Codes in capitals (PNR,
# RAC, WL, GST, AC, station codes, classes) are allowed by the pattern below; data (station and
# train names, passengers' names) is marked lang="en" translate="no" and skipped.
KEPT_WORDS = {"RailConnect", "India", "km"}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "content")


class _VisibleText(HTMLParser):
    """Text a passenger sees or hears (text, titles, placeholders, labels), outside elements
    marked translate="no" and outside script and style."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self):
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # <title> joins data (station and train names) into one line; its words are msgids, which
        # the completeness test covers.
        skip = attributes.get("translate") == "no" or tag in ("script", "style", "title")
        if not skip and not self._skipping():
            if tag != "meta" or attributes.get("name") == "description":
                self.found.extend(attributes[name] for name in VISIBLE_ATTRIBUTES if attributes.get(name))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping():
            self.found.append(data)


def english_words(html: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    words = set()
    for text in parser.found:
        for word in ENGLISH_WORD.findall(text):
            if word not in KEPT_WORDS and not word.isupper():
                words.add(word)
    return words
