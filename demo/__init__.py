"""Demo data for a fresh clone and for benchmarks: the generated train network and the drawn
home-page pictures, with their commands (`seed_demo`, `seed_promotions`).

Demo depends on timetable and promotions, never the other way round: no production app imports
it (tests/test_demo_app.py checks), so the site serves and imports real data without it.
"""
