"""What instructors and students read: per-student feedback HTML, the grade table, a summary.

Feedback shows, per test cell, the score and the reason it was not full. Reasons for hidden test
cells never contain inputs, expected values or test code (see :func:`spec.judge_case`); nothing
from a hidden test's source is ever printed.
"""
import csv
import html
import re
from collections import Counter, defaultdict

STYLE = ("body{font-family:sans-serif;max-width:50em;margin:2em auto}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
         "text-align:left;vertical-align:top}.ok{color:#060}.no{color:#a00}")


_NUMBERS = re.compile(r" \(largest error [^)]*\)")


def _fmt(x):
    return f"{x:g}"


def feedback_html(record):
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
              "inputs; hidden test cells are described without their inputs.</p></body></html>")


def write_csv(path, records, tests):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "score", "max_score", "status", *[t.grade_id for t in tests],
                    "notes"])
        for r in sorted(records, key=lambda r: r["student"]):
            w.writerow([r["student"], _fmt(r["score"]), _fmt(r["max_score"]), r["status"],
                        *[_fmt(r["tests"][t.grade_id]["score"]) for t in tests],
                        "; ".join(r["notes"])])


def summary(records, tests):
    """Markdown: totals, per-test-cell score distribution, and why points were lost."""
    lines = [f"# Grading summary: {len(records)} submissions", ""]
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
        lines += [f"  - {n} x {reason}" for reason, n in reasons.most_common(8)]
    bad = [r for r in records if r["status"] != "graded"]
    if bad:
        lines += ["", "## Ungradable submissions", ""]
        lines += [f"- {r['student']}: {'; '.join(r['notes'])}" for r in bad]
    return "\n".join(lines) + "\n"
