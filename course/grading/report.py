"""What instructors and students read: per-student feedback HTML, the grade table, a summary.

Feedback shows, per test cell, the score and the reason it was not full. Reasons for hidden test
cells never contain inputs, expected values or test code (see :func:`spec.judge_case`); nothing
from a hidden test's source is ever printed.
"""
import base64
import csv
import gzip
import html
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

STYLE = ("body{font-family:sans-serif;max-width:50em;margin:2em auto}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
         "text-align:left;vertical-align:top}.ok{color:#060}.no{color:#a00}"
         "pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}"
         "pre.test{border-left:3px solid #999}pre.verdict{background:none;font-weight:bold}"
         ".md table td,.md table th{font-size:90%}")


_NUMBERS = re.compile(r" \(largest error [^)]*\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def plain(text):
    """``text`` safe to print on a terminal: control characters (escape sequences) removed;
    line breaks and tabs kept."""
    return _CONTROL.sub("", str(text).replace("\r", ""))


def one_line(text):
    """``text`` on one line, without control characters."""
    return plain(re.sub(r"[\n\t]+", " ", str(text)))


def inert(text):
    """``text`` (student-controlled: an exception message, a file name) as a Markdown code span,
    on one line: shown as typed, never rendered as Markdown or HTML (a heading, a link, a
    ``<script>``), wherever the summary is displayed."""
    text = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def csv_cell(text):
    """A text cell of grades.csv that a spreadsheet shows as text: a leading ``=``, ``+``,
    ``-``, ``@`` (a formula) or tab or carriage return is neutralised by a leading quote."""
    text = one_line(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _fmt(x):
    return f"{x:g}"


def feedback_html(record, nb=None):
    """The student's feedback page: the score per task and why points were lost, then (given the
    nbgrader-style autograded notebook ``nb``, built from the release: no hidden tests) their
    notebook with each test cell's verdict. One self-contained file, as nbgrader's
    ``release_feedback`` delivers it: the book's math is rendered by MathJax carried inside the
    page (no network needed)."""
    e = html.escape
    rows = []
    for grade_id, t in record["tests"].items():
        kind = "hidden tests" if t["hidden"] else "public tests"
        verdict = ('<span class="ok">passed</span>' if not t["reason"]
                   else f'<span class="no">{e(t["reason"])}</span>')
        rows.append(f"<tr><td>{e(t['task'])}</td><td>{kind}</td>"
                    f"<td>{_fmt(t['score'])} / {_fmt(t['points'])}</td><td>{verdict}</td></tr>")
    notes = "".join(f"<li>{e(n)}</li>" for n in record["notes"])
    cells = "".join(f"<li>cell {i}: {e(msg)}</li>" for i, msg in record["cell_errors"])
    notebook = _notebook_html(nb) if nb else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(record['assignment'])}: "
            f"{e(record['student'])}</title><style>{STYLE}</style></head><body>"
            f"<h1>{e(record['assignment'])}: feedback for {e(record['student'])}</h1>"
            f"<p><b>Score: {_fmt(record['score'])} / {_fmt(record['max_score'])}</b></p>"
            + (f"<h2>About the submission</h2><ul>{notes}</ul>" if notes else "")
            + "<table><tr><th>Task</th><th>Tests</th><th>Score</th><th>Result</th></tr>"
            + "".join(rows) + "</table>"
            + (f"<h2>Cells that raised an error while grading</h2><ul>{cells}</ul>"
               if cells else "")
            + "<p>Each function was graded on its own, in a fresh Python process, with new "
              "inputs; hidden test cells are described without their inputs.</p>"
            + (f"<h2>Your notebook, with the result of each test cell</h2>{notebook}"
               + _mathjax() if notebook else "")
            + "</body></html>")


def _notebook_html(nb):
    """The cells of the autograded notebook: the release's text (trusted) rendered, code cells
    (the student's, untrusted) escaped, each test cell followed by its verdict."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    e = html.escape
    parts = []
    for cell in nb.get("cells", []):
        source = cell_text(cell.get("source", ""))
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") == "markdown":
            parts.append(f"<div class='md'>{markdown2html_mistune(source)}</div>")
        elif cell.get("cell_type") == "code":
            test = meta.get("grade") and not meta.get("solution")
            parts.append(f"<pre class='code{' test' if test else ''}'>{e(source)}</pre>")
            for out in cell.get("outputs", []):
                text = cell_text(out.get("text", ""))
                css = "ok" if out.get("name") == "stdout" else "no"
                parts.append(f"<pre class='verdict {css}'>{e(text)}</pre>")
    return "".join(parts)


def cell_text(value):
    return "".join(value) if isinstance(value, list) else str(value)


_MATHJAX_PAGE = None

# MathJax 3 (the ``tex-svg`` bundle: no font files to fetch) travels inside the page, gzipped and
# base64-encoded (~0.9 MB, a third of the script), and is unpacked by the browser itself
# (DecompressionStream): the page shows its formulas offline, opened from disk or from Jupyter.
_MATHJAX_LOADER = """<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
processEscapes: true}, svg: {fontCache: 'global'}};</script>
<script id="mathjax-gz" type="application/octet-stream">%s</script>
<script>(async () => {
  const text = document.getElementById('mathjax-gz').textContent;
  const bytes = Uint8Array.from(atob(text), c => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  const script = document.createElement('script');
  script.textContent = await new Response(stream).text();
  document.head.appendChild(script);
})();</script>"""


def mathjax_js():
    """MathJax 3's ``tex-svg.js`` from the pinned ``django-static-mathjax`` package."""
    import importlib.util
    spec = importlib.util.find_spec("mathjax")
    for root in (spec.submodule_search_locations if spec else None) or []:
        path = Path(root) / "static" / "mathjax" / "es5" / "tex-svg.js"
        if path.is_file():
            return path.read_bytes()
    raise FileNotFoundError("MathJax 3 (the package django-static-mathjax) is not installed")


def _mathjax():
    global _MATHJAX_PAGE
    if _MATHJAX_PAGE is None:
        data = base64.b64encode(gzip.compress(mathjax_js(), 9, mtime=0)).decode()
        _MATHJAX_PAGE = _MATHJAX_LOADER % data
    return _MATHJAX_PAGE


def csv_text(records, tests, not_graded=None):
    """The grade table: one row per graded student, then one per student not graded (a grader
    fault: no scores, the cause in the notes)."""
    buffer = io.StringIO()
    w = csv.writer(buffer)
    w.writerow(["student", "score", "max_score", "status", *[t.grade_id for t in tests],
                "notes"])
    for r in sorted(records, key=lambda r: r["student"]):
        w.writerow([csv_cell(r["student"]), _fmt(r["score"]), _fmt(r["max_score"]), r["status"],
                    *[_fmt(r["tests"][t.grade_id]["score"]) for t in tests],
                    csv_cell("; ".join(r["notes"]))])
    for student, why in sorted((not_graded or {}).items()):
        w.writerow([csv_cell(student), "", "", "not graded: grader fault", *["" for _ in tests],
                    csv_cell(why)])
    return buffer.getvalue()


def summary(records, tests, not_graded=None):
    """Markdown: totals, per-test-cell score distribution, why points were lost, and who was not
    graded because the grader failed (with the cause). Text a student controls (reasons, which
    quote their exceptions; notes) is shown in code spans (:func:`inert`); the grader's causes
    and student names on one line without control characters."""
    lines = [f"# Grading summary: {len(records)} submissions", ""]
    if not_graded:
        lines += [f"**Not graded: grader fault: {len(not_graded)} submissions** (nothing "
                  "recorded for them; run the same command again once the cause is fixed):", ""]
        lines += [f"- {one_line(student)}: not graded: grader fault: {one_line(why)}"
                  for student, why in sorted(not_graded.items())]
        lines.append("")
    if records:
        totals = [r["score"] for r in records]
        lines += [f"Mean {sum(totals) / len(totals):.2f} / {_fmt(records[0]['max_score'])}; "
                  f"full marks: {sum(r['score'] == r['max_score'] for r in records)}; "
                  f"ungradable: {sum(r['status'] != 'graded' for r in records)}.", ""]
    lines += ["| task | points | score distribution (score: students) | mean |", "|---|---|---|---|"]
    tasks = {}
    for t in tests:
        name = next((r["tests"][t.grade_id]["task"] for r in records
                     if r["tests"][t.grade_id]["task"]), t.grade_id)
        tasks.setdefault(name, []).append(t)
    for task, cells in tasks.items():
        scores = Counter(sum(r["tests"][t.grade_id]["score"] for t in cells) for r in records)
        dist = ", ".join(f"{_fmt(s)}: {n}" for s, n in sorted(scores.items(), reverse=True))
        mean = sum(s * n for s, n in scores.items()) / max(1, len(records))
        lines.append(f"| {task} | {_fmt(sum(t.points for t in cells))} | {dist} | {mean:.2f} |")
    lines += ["", "| test cell | points | score distribution (score: students) | mean |",
              "|---|---|---|---|"]
    why = defaultdict(Counter)
    for t in tests:
        scores = Counter(r["tests"][t.grade_id]["score"] for r in records)
        dist = ", ".join(f"{_fmt(s)}: {n}" for s, n in sorted(scores.items(), reverse=True))
        mean = sum(s * n for s, n in scores.items()) / max(1, len(records))
        lines.append(f"| {t.grade_id} | {_fmt(t.points)} | {dist} | {mean:.2f} |")
        for r in records:
            reason = r["tests"][t.grade_id]["reason"]
            if reason:
                why[t.grade_id][_NUMBERS.sub("", reason.split(" [")[0])] += 1
    lines += ["", "## Failures and why", ""]
    for grade_id, reasons in why.items():
        lines.append(f"- **{grade_id}**")
        lines += [f"  - {n} x {inert(reason)}" for reason, n in reasons.most_common(8)]
    bad = [r for r in records if r["status"] != "graded"]
    if bad:
        lines += ["", "## Ungradable submissions", ""]
        lines += [f"- {one_line(r['student'])}: {inert('; '.join(r['notes']))}" for r in bad]
    return "\n".join(lines) + "\n"
