"""``explain``: every replacement and the rule that made it."""

from __future__ import annotations

from narrator.text import explain, format_explanation, replacements


def test_each_replacement_names_its_rule() -> None:
    found = {(r.category, r.rule, r.original.strip(), r.spoken) for r in replacements(
        "برنامههای WHO در ۱۴۰۲/۰۵/۱۲ با ۱۲٫۵٪ رشد (ع) اجرا شد.\nمنبع (+)"
    )}
    assert ("zwnj", "zwnj-plural", "برنامههای", "برنامه\u200cهای") in found
    assert ("latin", "latin", "WHO", "دابلیو\u200cاچ\u200cاو") in found
    assert ("date", "date-numeric", "۱۴۰۲/۰۵/۱۲", "دوازدهم مرداد هزار و چهارصد و دو") in found
    assert ("percent", "percent", "۱۲٫۵٪", "۱۲٫۵ درصد") in found
    assert ("number", "number", "۱۲٫۵", "دوازده و نیم") in found
    assert ("abbreviation", "abbreviation", "(ع)", "علیه\u200cالسلام") in found
    assert ("dropped", "non-prose", "منبع (+)", "") in found


def test_explanation_shows_written_and_spoken_forms() -> None:
    items = explain("قیمت‌ها ۱۵٪ بالا رفت. سپس www.irna.ir گفت.")
    assert [item.spoken for item in items] == ["قیمت‌ها پانزده درصد بالا رفت.", "سپس گفت."]
    report = format_explanation(items)
    assert "written: قیمت‌ها ۱۵٪ بالا رفت." in report
    assert "spoken:  قیمت‌ها پانزده درصد بالا رفت." in report
    assert "[url/url] www.irna.ir -> (dropped)" in report
    assert "[percent/percent] ۱۵٪ -> ۱۵ درصد" in report
