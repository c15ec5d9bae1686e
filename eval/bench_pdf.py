"""Time to extract a ~40-page MEM report PDF (goal: at most 5 s on the 2-core machine).

Builds the MEM-style PDF of the bundled report (tests/pdf_maker.py), or takes ``--pdf PATH``,
extracts it ``--runs`` times with memqa.pdf.extract_pdf and prints min/median/max seconds.

Run: ``PYTHONPATH=src:. python eval/bench_pdf.py [--runs 5] [--pdf some.pdf]``; results go to eval/results/.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from memqa.pdf import EXTRACTOR, extract_pdf  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pdf", type=Path, help="a PDF to time instead of the generated one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        pdf = args.pdf
        if pdf is None:
            from pdf_maker import make_report_pdf

            pdf = make_report_pdf((ROOT / "corpus" / "mem-2022-mexico.txt").read_text(encoding="utf-8"),
                                  Path(d) / "mexico-2022.pdf", country="Mexico",
                                  header="Evaluation Report on Drug Policies 2022")
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            doc = extract_pdf(pdf)
            times.append(time.perf_counter() - t0)
    pages = len(doc.page_starts)
    row = {"pdf": pdf.name, "pages": pages, "chars": len(doc.text), "runs": args.runs, "extractor": EXTRACTOR,
           "min_s": round(min(times), 3), "median_s": round(statistics.median(times), 3),
           "max_s": round(max(times), 3), "load_avg": round(os.getloadavg()[0], 2)}
    print(f"{pdf.name}: {pages} pages, {len(doc.text)} chars; extraction over {args.runs} runs: "
          f"min {row['min_s']} s, median {row['median_s']} s, max {row['max_s']} s "
          f"(load average {row['load_avg']})")
    out = ROOT / "eval" / "results" / f"bench_pdf-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps(row, indent=2) + "\n")
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
