"""``narrator text``: --explain, --lexicon, and the lexicon in narrate."""

from __future__ import annotations

import io
from pathlib import Path

from narrator.cli import main


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_explain_shows_each_replacement_and_why(tmp_path: Path) -> None:
    article = write(tmp_path, "a.txt", "نرخ تورم ۱۲٫۵٪ در ۱۴۰۲/۰۵/۱۲ اعلام شد.\n")
    code, out, _ = run(["text", str(article), "--explain", "--ezafe", "off"])
    assert code == 0
    assert "written: نرخ تورم ۱۲٫۵٪ در ۱۴۰۲/۰۵/۱۲ اعلام شد." in out
    assert "[date/date-numeric] ۱۴۰۲/۰۵/۱۲ -> دوازدهم مرداد هزار و چهارصد و دو" in out
    assert "spoken:  نرخ تورم دوازده و نیم درصد در دوازدهم مرداد هزار و چهارصد و دو اعلام شد." in out


def test_explain_names_the_ezafe_when_it_is_on(tmp_path: Path) -> None:
    article = write(tmp_path, "a.txt", "قیمت نفت خام امروز بالا رفت.\n")
    code, out, _ = run(["text", str(article), "--explain", "--ezafe", "on"])
    assert code == 0 and "[ezafe/ezafe]" in out and "\u0650" in out


def test_lexicon_overrides_a_reading_in_text_and_narrate(tmp_path: Path) -> None:
    lexicon = write(tmp_path, "my.lexicon", "# name\tspoken\nپترون\tپِترون\n")
    article = write(tmp_path, "a.txt", "پترون گزارش داد.\n")
    code, out, _ = run(["text", str(article), "--lexicon", str(lexicon), "--ezafe", "off"])
    assert code == 0 and out.strip() == "پِترون گزارش داد."
    code, out, _ = run(["narrate", str(article), "--lexicon", str(lexicon), "--engine", "espeak",
                        "-o", str(tmp_path / "out"), "--no-cache"])
    assert code == 0 and (tmp_path / "out" / "a.mp3").exists()


def test_a_broken_lexicon_is_one_clear_line(tmp_path: Path, seed: Path) -> None:
    lexicon = write(tmp_path, "bad.lexicon", "ok\tاوکی\nno tab here\n")
    code, _, err = run(["narrate", str(seed), "--lexicon", str(lexicon), "-o", str(tmp_path / "out")])
    assert code == 1 and err.count("\n") == 1 and "bad.lexicon:2" in err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_title_is_the_option_else_a_headline_else_the_opening_words(tmp_path: Path) -> None:
    from narrator.text import prepare

    body = "قیمت نفت امروز در بازارهای جهانی بالا رفت و به بالاترین سطح سه ماه اخیر رسید.\n"
    assert prepare("افزایش ۱۲ درصدی قیمت نفت خام\n" + body).title == "افزایش ۱۲ درصدی قیمت نفت خام"
    assert prepare(body + "خبر دوم.\n").title == "قیمت نفت امروز در بازارهای جهانی بالا رفت…"
    assert prepare("افزایش قیمت\n" + body, title="عنوان من").title == "عنوان من"
    assert prepare("تیتر بی‌پاراگراف\n").title == "تیتر بی‌پاراگراف"  # a lone line is the article
