"""Which PDF library to extract MEM reports with: layout fidelity and speed, measured.

Builds the MEM-style PDF of the bundled report (tests/pdf_maker.py: cover, running header, centred
page numbers, justified paragraphs over page breaks, soft hyphens, lists, ruled tables with wrapped
cells), extracts it with each candidate and scores the text against the report's .txt:

* ``seconds``   best of ``--runs`` full extractions (2-core machine);
* ``words``     share of the .txt's words found in order (difflib matching blocks on word lists);
* ``furniture`` running-header lines and page numbers left in the text (0 is right);
  a lone number under OBJECTIVE is the objective's, not furniture;
* ``rows``      share of the .txt's 62 table rows whose cells come out in order on one line;
* ``headings``  priority-action headings memqa's parser finds in the text (65 is right);
* ``units``     citable units whose body equals the .txt's, modulo whitespace and markup (76 is right).

Run: ``PYTHONPATH=src:. python eval/pdf_explore.py [--runs 3]``; results go to eval/results/.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from memqa.corpus import read_meta  # noqa: E402
from memqa.errors import MemqaError  # noqa: E402
from memqa.parsing import parse_report  # noqa: E402
from pdf_maker import make_report_pdf  # noqa: E402

REPORT = ROOT / "corpus" / "mem-2022-mexico.txt"
HEADER = "Evaluation Report on Drug Policies 2022"


def pypdfium2_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    out = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    return "\n".join(out).replace("\r\n", "\n")


def pypdf_text(path: Path, mode: str = "plain") -> str:
    from pypdf import PdfReader

    r = PdfReader(str(path))
    return "\n".join(p.extract_text(extraction_mode=mode) or "" for p in r.pages)


def pdfplumber_text(path: Path) -> str:
    """pdfplumber's best effort: tables by ruling lines (rows as tab-joined cells), text outside them."""
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]

            def outside(obj, boxes=boxes):
                return not any(b[0] <= obj["x0"] and obj["x1"] <= b[2] and b[1] <= obj["top"] and obj["bottom"] <= b[3]
                               for b in boxes)

            out.append(page.filter(outside).extract_text())
            for t in tables:
                for row in t.extract():
                    out.append("\t".join((c or "").replace("\n", " ") for c in row))
    return "\n".join(out)


def memqa_text(path: Path) -> str:
    from memqa.pdf import extract_pdf

    return extract_pdf(path).text


CANDIDATES = {
    "pypdfium2 get_text_range": pypdfium2_text,
    "pypdf extract_text": pypdf_text,
    "pypdf extract_text(layout)": lambda p: pypdf_text(p, "layout"),
    "pdfplumber text+tables": pdfplumber_text,
    "memqa.pdf (pypdfium2 + layout)": memqa_text,
}


def norm(s: str) -> str:
    s = re.sub(r"<[^>]*>", "", s).replace("*", "").replace("•", "-")
    return re.sub(r"\s+", " ", s).strip()


def score(text: str, truth: str, meta) -> dict:
    a, b = norm(truth).split(), norm(text).split()
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    words = sum(m.size for m in sm.get_matching_blocks()) / len(a)
    lines = [re.sub(r"\s+", " ", x).strip() for x in text.split("\n")]
    rows = [r for r in truth.split("\n") if "\t" in r]
    ok = 0
    joined = "\n".join(lines)
    for r in rows:
        cells = [norm(c) for c in r.split("\t") if norm(c)]
        pat = r"[ \t|]*".join(re.escape(c) for c in cells)
        ok += bool(re.search(pat, joined))
    content = [x for x in lines if x]
    furniture = sum(1 for k, x in enumerate(content)  # a lone number is furniture unless it numbers an OBJECTIVE
                    if HEADER in x or (re.fullmatch(r"\d{1,3}", x) and (k == 0 or content[k - 1] != "OBJECTIVE")))
    try:
        parsed = parse_report(text, meta)
        heads = len(parsed.headings)
        ref = {s.id: norm(s.text[s.body_start:]) for s in parse_report(truth, meta).sections}
        got = {s.id: norm(s.text[s.body_start:]) for s in parsed.sections}
        units = sum(ref[k] == got.get(k) for k in ref)
    except MemqaError:
        heads = units = 0
    return {"words": round(words, 4), "furniture": furniture, "rows": round(ok / len(rows), 3),
            "headings": heads, "units": units}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    truth = REPORT.read_text(encoding="utf-8")
    meta = read_meta(REPORT)
    with tempfile.TemporaryDirectory() as d:
        pdf = make_report_pdf(truth, Path(d) / "mexico-2022.pdf", country="Mexico", header=HEADER)
        import pypdfium2 as pdfium

        pages = len(pdfium.PdfDocument(str(pdf)))
        results = {}
        for name, fn in CANDIDATES.items():
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                text = fn(pdf)
                times.append(time.perf_counter() - t0)
            results[name] = {"seconds": round(min(times), 3), "median_s": round(statistics.median(times), 3),
                             **score(text, truth, meta)}
            print(f"{name:34s} {json.dumps(results[name])}", flush=True)
    out = ROOT / "eval" / "results" / f"pdf_explore-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps({"pdf_pages": pages, "runs": args.runs, "results": results}, indent=2) + "\n")
    print(f"{pages} pages; saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
