"""Feeds: what terminals, carriers and AIS receivers already send, turned into Baystream events.

EDIFACT CODECO and COARRI (`edifact`), ANSI X12 322 (`x12`) and AIS `!AIVDM` sentences (`ais`) each have a
reader (feed -> events) and a writer (events -> feed, for the simulator and the round-trip tests). The
mapping of segments, qualifiers and sentences to fields is docs/feeds.md; `baystream ingest` (command.py)
publishes what a file or a stream holds.
"""
