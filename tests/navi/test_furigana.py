"""ふりがな: readings from the analyser (fugashi + unidic-lite), authors' overrides, safe HTML."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from navi import furigana
from navi.furigana import aligned, read_readings, readings_text, ruby_html
from procedures.content import ContentErrors


@pytest.fixture(autouse=True)
def fresh_cache():
    furigana.clear_cache()
    yield
    furigana.clear_cache()


def test_kanji_get_the_analysers_reading_and_okurigana_stay_outside():
    assert ruby_html("国民健康保険に入る") == (
        "<ruby>国民<rt>こくみん</rt></ruby><ruby>健康<rt>けんこう</rt></ruby><ruby>保険<rt>ほけん</rt></ruby>"
        "に<ruby>入<rt>はい</rt></ruby>る"
    )
    assert ruby_html("届け出") == "<ruby>届<rt>とど</rt></ruby>け<ruby>出<rt>で</rt></ruby>"


def test_the_reading_follows_the_context():
    assert "<ruby>行<rt>い</rt></ruby>きます" in ruby_html("窓口に 行きます")
    assert "<ruby>行<rt>おこな</rt></ruby>います" in ruby_html("手続きを 行います")


def test_kana_spaces_digits_and_latin_pass_untouched():
    assert ruby_html("じゅうみんひょうの うつし") == "じゅうみんひょうの うつし"
    assert ruby_html("マイナンバー カード") == "マイナンバー カード"
    html = ruby_html("2かい 12ばん まどぐち、OSS で 市役所へ")
    assert html.startswith("2かい 12ばん まどぐち、OSS で ")
    assert html.endswith("<ruby>役所<rt>やくしょ</rt></ruby>へ")


def test_spaces_between_and_around_words_are_kept():
    assert ruby_html(" 住所を かえる ") == " <ruby>住所<rt>じゅうしょ</rt></ruby>を かえる "


def test_text_is_escaped():
    html = ruby_html('<script>alert("届")</script> & 住所')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&quot;" in html and "&amp;" in html
    assert "<ruby>届<rt>とどけ</rt></ruby>" in html


def test_overrides_replace_the_analysers_reading():
    # the analyser alone reads 世帯主 as せたい + しゅ and 方 as ほう
    assert "しゅ</rt>" in furigana._analysed("世帯主")
    assert "ほう</rt>" in furigana._analysed("亡くなった方")
    assert ruby_html("世帯主の 住民票") == (
        "<ruby>世帯主<rt>せたいぬし</rt></ruby>の <ruby>住民票<rt>じゅうみんひょう</rt></ruby>"
    )
    assert ruby_html("亡くなった方") == "<ruby>亡<rt>な</rt></ruby>くなった<ruby>方<rt>かた</rt></ruby>"


def test_an_override_file_elsewhere(tmp_path, settings):
    path = tmp_path / "readings.yaml"
    path.write_text("readings:\n- {word: 市役所, reading: しやくしょ}\n", encoding="utf-8")
    settings.FURIGANA_READINGS = path
    furigana.clear_cache()
    assert ruby_html("市役所") == "<ruby>市役所<rt>しやくしょ</rt></ruby>"


def test_the_html_of_a_text_is_cached():
    ruby_html.cache_clear()
    ruby_html("住所を かえる")
    ruby_html("住所を かえる")
    info = ruby_html.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_alignment_splits_kanji_runs_from_their_kana():
    assert aligned("届け出", "とどけで") == [("届", "とど"), ("け", None), ("出", "で")]
    assert aligned("届け出", "とどけ") is None


def test_the_shipped_readings_file_is_valid_and_canonical():
    path = Path(settings.FURIGANA_READINGS)
    table = read_readings(path)
    assert table["住民票"] == "じゅうみんひょう"
    assert path.read_text(encoding="utf-8") == readings_text(table)


@pytest.mark.parametrize(
    "body,field,problem",
    [
        ("readings:\n- {word: じゅうみん, reading: じゅうみん}\n", "readings.0.word", "must be a word with kanji"),
        ("readings:\n- {word: 住民票, reading: ジュウミンヒョウ}\n", "readings.0.reading", "hiragana"),
        ("readings:\n- {word: 届け出, reading: とどけ}\n", "readings.0.reading", "does not fit"),
        ("readings:\n- {word: 住民票, reading: じゅうみんひょう}\n- {word: 住民票, reading: じゅうみんひょう}\n",
         "readings.1.word", "appears twice"),
        ("readings:\n- {word: 続柄, reading: つづきがら}\n- {word: 住民票, reading: じゅうみんひょう}\n",
         "readings", "sorted"),
        ("readings:\n- {word: 住民票}\n", "readings.0", "exactly"),
        ("words: []\n", "readings", "one key"),
    ],
)  # fmt: skip
def test_a_bad_readings_file_names_the_entry_and_the_problem(tmp_path, body, field, problem):
    path = tmp_path / "readings.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ContentErrors) as exc:
        read_readings(path)
    error = exc.value.errors[0]
    assert (error.file, error.field) == ("readings.yaml", field)
    assert problem in error.problem


def test_the_filter_adds_ruby_only_in_easy_japanese():
    template = Template("{% load furigana %}{{ text|furigana }}")
    context = Context({"text": "住民票 <b>"})
    with translation.override("ja-easy"):
        assert template.render(context) == "<ruby>住民票<rt>じゅうみんひょう</rt></ruby> &lt;b&gt;"
    for language in ("ja", "en"):
        with translation.override(language):
            assert template.render(context) == "住民票 &lt;b&gt;"
    with translation.override("ja-easy"):
        assert Template("{% load furigana %}[{{ none|furigana }}]").render(Context({"none": None})) == "[]"


def test_counters_after_digits_are_read_by_the_number():
    assert ruby_html("15日の あいだに") == "15<ruby>日<rt>にち</rt></ruby>の あいだに"  # the dictionary alone says か
    assert ruby_html("14日 いないに") == "<ruby>14日<rt>じゅうよっか</rt></ruby> いないに"
    assert ruby_html("9月1日") == "9<ruby>月<rt>がつ</rt></ruby><ruby>1日<rt>ついたち</rt></ruby>"
    assert ruby_html("2人 いじょう") == "<ruby>2人<rt>ふたり</rt></ruby> いじょう"
    assert ruby_html("3人") == "3<ruby>人<rt>にん</rt></ruby>"
