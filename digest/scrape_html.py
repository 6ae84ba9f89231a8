"""Saved HTML pages -> ScrapedPage (placeholder)."""
from __future__ import annotations
from datetime import datetime
from .scrape_common import ScrapedPage


def parse_html_scrape(html: str, scraped_at: datetime) -> ScrapedPage:
    raise ValueError("HTML pages are not supported yet")
