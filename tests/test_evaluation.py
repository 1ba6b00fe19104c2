"""The evaluation scorer (CMRC 2018 EM/F1, refusals, retrieval) and `qa eval` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.chain import Answer, Source
from qa.report import cli_eval
from qa.evaluation import (
    QuestionRow,
    cmrc_em,
    cmrc_f1,
    cmrc_tokens,
    concise_answer,
    contains_evidence,
    evaluate,
    evidence_rank,
    keywords_found,
    load_questions,
    percentile,
    score_answer,
)

# ---------------------------------------------------------------- CMRC scoring


def test_tokens_are_characters_for_chinese_and_words_for_ascii():
    assert cmrc_tokens("陳鋼 said hello") == ["陈", "钢", "said", "hello"]
    # '-' is on the official punctuation list: dropped without ending the ASCII run.
    # （） fold to (), which are removed like the full-width forms on the list.
    assert cmrc_tokens("（2011-2020年）") == ["20112020", "年"]


def test_f1_of_a_longer_prediction():
    # prediction 國家標準委主任陳鋼 = 9 characters, reference 陈钢 = 2, common run 陈钢 = 2:
    # P = 2/9, R = 2/2, F1 = 2PR/(P+R) = (4/9)/(11/9) = 4/11.
    assert cmrc_f1("國家標準委主任陳鋼", ["陈钢"]) == pytest.approx(4 / 11)
    assert cmrc_em("國家標準委主任陳鋼", ["陈钢"]) == 0.0


def test_f1_uses_the_longest_common_substring_not_subsequence():
    # reference 苏州市长 (4), prediction 苏州副市长 (5): the longest common contiguous run is
    # 苏州 or 市长 = 2 (a subsequence would give 4). P = 2/5, R = 2/4, F1 = 0.4 / 0.9 = 4/9.
    assert cmrc_f1("苏州副市长", ["苏州市长"]) == pytest.approx(4 / 9)


def test_f1_mixed_english_words_and_best_reference():
    # tokens: prediction [in, suzhou], reference [suzhou, city]: common 1, P = R = 1/2, F1 = 1/2.
    assert cmrc_f1("in Suzhou", ["Suzhou city"]) == pytest.approx(0.5)
    # best over references: the second one matches exactly.
    assert cmrc_f1("in Suzhou", ["Suzhou city", "in suzhou"]) == pytest.approx(1.0)
    assert cmrc_f1("北京", ["上海"]) == 0.0


def test_em_after_folding_and_removing_punctuation():
    assert cmrc_em("陳鋼", ["陈钢"]) == 1.0  # Traditional = Simplified
    assert cmrc_em("《质量发展纲要》", ["質量發展綱要"]) == 1.0  # 《》 are on the list
    assert cmrc_em("第１０８下", ["第108下"]) == 1.0  # full-width digits fold to ASCII
    assert cmrc_em("陈钢，周乃翔。", ["陈钢周乃翔"]) == 1.0
    assert cmrc_f1("陈钢，周乃翔。", ["陈钢周乃翔"]) == 1.0
    assert cmrc_em("陈钢主任", ["陈钢"]) == 0.0


def test_concise_answer_is_the_first_paragraph_without_citations():
    reply = "國家標準委主任陳鋼\n\n原文：國家標準委主任陳鋼,蘇州市委副書記 [1]"
    assert concise_answer(reply) == "國家標準委主任陳鋼"
    assert concise_answer("苏州召开了动员会议。 [1]\n另一句 [2]") == "苏州召开了动员会议。\n另一句"
    assert concise_answer("答案 [1, 2]") == "答案"


def _row(answers: list[str], **fields) -> QuestionRow:
    return QuestionRow(question=fields.pop("question", "问题？"), answers=answers, id=fields.pop("id", "q"),
                       type=fields.pop("type", "who"), **fields)  # fmt: skip


def test_refusals_score_by_answerability():
    assert score_answer(_row([]), "", refused=True) == (1.0, 1.0)  # refusing the unanswerable is right
    assert score_answer(_row(["陈钢"]), "", refused=True) == (0.0, 0.0)  # refusing the answerable is not
    assert score_answer(_row([]), "陈钢", refused=False) == (0.0, 0.0)  # answering the unanswerable is not
    assert score_answer(_row(["陈钢"]), "陳鋼", refused=False) == (1.0, 1.0)


def test_keywords_need_every_fact_in_any_spelling():
    facts = [["陳鋼", "陈钢"], ["１３", "13"]]
    assert keywords_found(facts, "陳鋼說有13個領域")
    assert keywords_found(facts, "陈钢说有１３个领域")
    assert not keywords_found(facts, "陈钢说了话")


# ---------------------------------------------------------------- retrieval


def test_evidence_as_folded_substring_or_80_percent_run():
    assert contains_evidence("……國家標準委主任陳鋼,蘇州……", "国家标准委主任陈钢")
    evidence = "一二三四五六七八九十"  # 10 characters
    assert contains_evidence("前言一二三四五六七八后记", evidence)  # run of 8 = 80%
    assert not contains_evidence("前言一二三四五六七后记", evidence)  # run of 7 = 70%
    assert evidence_rank("陈钢", ["周乃翔", "陳鋼主任", "陈钢"]) == 2
    assert evidence_rank("陈钢", ["周乃翔"]) is None


def _source(text: str, n: int) -> Source:
    return Source(doc_id=f"doc{n}", text=text, score=1.0, start=0, end=len(text), chunk_index=n, chunk_id=f"c{n}")


class FakeEngine:
    """Replies from a table: question -> (answer, refused, passage texts)."""

    def __init__(self, replies: dict[str, tuple[str, bool, list[str]]]) -> None:
        self.replies = replies

    def ask(self, question: str, *, k=None, backend=None) -> Answer:
        text, refused, passages = self.replies[question]
        sources = [_source(p, i) for i, p in enumerate(passages)]
        return Answer(question, text, refused, sources, timings={"total": 0.1 * len(question)})


def test_evaluate_hit_at_k_mrr_and_refusal_rates():
    rows = [
        _row(["陈钢"], question="q1", id="1", evidence="主任陈钢", keywords=[["陈钢"]]),
        _row(["周乃翔"], question="q22", id="2", evidence="市长周乃翔", keywords=[["周乃翔"]]),
        _row(["13个"], question="q333", id="3", evidence="13个专业服务领域", keywords=[["13"]], type="count"),
        _row([], question="q4444", id="4", type="unanswerable"),
        _row([], question="q55555", id="5", type="unanswerable"),
    ]
    engine = FakeEngine({
        "q1": ("陈钢\n\n原文：主任陈钢 [1]", False, ["主任陈钢说", "别的"]),  # evidence at rank 1, EM 1
        "q22": ("市长周乃翔 [1]", False, ["别的", "别的", "市长周乃翔"]),  # rank 3
        "q333": ("文中没有提到。", True, ["别的"] * 5 + ["13个专业服务领域"]),  # rank 6: outside hit@5; false refusal
        "q4444": ("文中没有提到。", True, []),  # right refusal
        "q55555": ("陈钢", False, ["别的"]),  # answered an unanswerable question
    })  # fmt: skip
    report = evaluate(engine, rows)
    s = report.summary
    assert [r.evidence_rank for r in report.results] == [1, 3, 6, None, None]
    assert (s["hit_at_1"], s["hit_at_3"], s["hit_at_5"]) == (round(1 / 3, 4), round(2 / 3, 4), round(2 / 3, 4))
    assert s["mrr"] == round((1 + 1 / 3 + 1 / 6) / 3, 4)
    assert s["refusal_precision"] == 0.5 and s["refusal_recall"] == 0.5
    assert s["false_refusal_rate"] == round(1 / 3, 4)
    assert s["keyword_accuracy"] == round(2 / 3, 4)
    # EM: q1 1, q22 0 (市长周乃翔 vs 周乃翔), q333 0, q4444 1, q55555 0.
    assert [r.em for r in report.results] == [1.0, 0.0, 0.0, 1.0, 0.0]
    # F1 of q22: P = 3/5, R = 1, F1 = 1.2/1.6 = 0.75.
    assert report.results[1].f1 == pytest.approx(0.75)
    assert s["f1"] == round((1 + 0.75 + 0 + 1 + 0) / 5, 4)
    assert [r.passed for r in report.results] == [True, True, False, True, False]
    assert report.by_type["count"]["accuracy"] == 0.0 and report.by_type["unanswerable"]["accuracy"] == 0.5
    assert s["latency_max"] == pytest.approx(0.6)


class ConciseEngine:
    """Replies from a table: question -> (answer text, concise answer)."""

    def __init__(self, replies: dict[str, tuple[str, str]]) -> None:
        self.replies = replies

    def ask(self, question: str, *, k=None, backend=None) -> Answer:
        text, concise = self.replies[question]
        return Answer(question, text, False, [_source("国家标准委主任陈钢出席会议。", 0)], concise=concise)


def test_eval_scores_the_concise_answer_the_backend_gave_not_the_first_paragraph():
    rows = [_row(["陈钢"], question="q1", id="1"), _row(["4家", "四家"], question="q22", id="2", type="count"),
            _row(["周乃翔"], question="q333", id="3")]  # fmt: skip
    engine = ConciseEngine({
        "q1": ("国家标准委主任陈钢出席会议\n\n原文：国家标准委主任陈钢出席会议。 [1]", "陈钢"),
        # two questions in one: the concise answers of both, the text in several paragraphs
        "q22": ("会上有4家单位发言\n\n原文：4家单位进行了交流发言。 [1]\n\n周乃翔市长\n\n原文：…… [1]", "4家；周乃翔市长"),
        "q333": ("周乃翔\n\n原文：市长周乃翔 [1]", ""),  # none given: the text before its first blank line
    })  # fmt: skip
    report = evaluate(engine, rows)
    first, second, third = report.results
    assert concise_answer(engine.replies["q1"][0]) != "陈钢"  # what splitting the text would have scored
    assert (first.prediction, first.em, first.f1) == ("陈钢", 1.0, 1.0)
    assert second.prediction == "4家；周乃翔市长" and second.f1 == pytest.approx(cmrc_f1("4家；周乃翔市长", ["4家"]))
    assert (third.prediction, third.em) == ("周乃翔", 1.0)
    assert [r["concise"] for r in report.to_dict()["results"]] == ["陈钢", "4家；周乃翔市长", ""]


def test_percentile_interpolates():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert percentile([], 50) is None


# ---------------------------------------------------------------- loading


def test_jsonl_loading_reports_bad_rows_by_line(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    lines = [
        json.dumps({"id": "a", "question": "谁是主任？", "answers": ["陈钢"], "keywords": [["陈钢", "陳鋼"]], "evidence": "主任陈钢"}),
        "",
        "{not json",
        json.dumps({"question": "", "answers": []}),
        json.dumps({"question": "文中有吗？", "answers": []}),
        json.dumps({"question": "缺答案？"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, errors = load_questions(path)
    assert [r.line for r in rows] == [1, 5]
    assert rows[0].keywords == [["陈钢", "陳鋼"]] and rows[0].type == "other"
    assert rows[1].type == "unanswerable" and rows[1].id == "line5" and not rows[1].answerable
    assert [e.split(":")[1] for e in errors] == ["3", "4", "6"]
    assert "not valid JSON" in errors[0] and "'question'" in errors[1] and "'answers' is missing" in errors[2]


def test_csv_loading_with_separators_json_cells_and_a_bad_row(tmp_path: Path):
    path = tmp_path / "set.csv"
    path.write_text(
        "id,question,answers,type,keywords,evidence\n"
        'c1,国家标准委主任是谁？,陈钢|陳鋼,who,陈钢|陳鋼;主任,主任陈钢\n'
        'c2,"两行的\n问题？","[""9月7日""]",when,"[[""9月7日"", ""９月７日""]]",9月7日下午\n'
        "c3,,陈钢,who,,\n"
        "c4,谁获得了奖金？,,unanswerable,,\n"
        'c5,坏的关键词？,甲,what,"[broken",\n',
        encoding="utf-8",
    )
    rows, errors = load_questions(path)
    assert [r.id for r in rows] == ["c1", "c2", "c4"]
    assert rows[0].answers == ["陈钢", "陳鋼"] and rows[0].keywords == [["陈钢", "陳鋼"], ["主任"]]
    assert rows[1].answers == ["9月7日"] and rows[1].keywords == [["9月7日", "９月７日"]] and rows[1].line == 3
    assert rows[2].answers == [] and rows[2].line == 6
    assert [e.split(":")[1] for e in errors] == ["5", "7"]  # c2 spans lines 3-4, so c3 is on line 5


def test_cli_eval_returns_1_when_nothing_can_be_read(tmp_path: Path, capsys):
    assert cli_eval(FakeEngine({}), tmp_path / "missing.jsonl") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    assert cli_eval(FakeEngine({}), bad) == 1
    assert "bad.jsonl:1" in capsys.readouterr().err


# ---------------------------------------------------------------- end to end


@pytest.mark.slow
def test_qa_eval_end_to_end(tmp_path: Path):
    from qa.cli import cli

    questions = tmp_path / "tiny.jsonl"
    rows = [
        {"id": "t1", "question": "國家標準委的主任是誰？", "answers": ["陳鋼"], "type": "who",
         "keywords": [["陳鋼", "陈钢"]], "evidence": "國家標準委主任陳鋼"},
        {"id": "t2", "question": "苏州市长叫什么名字？", "answers": ["周乃翔"], "type": "who",
         "keywords": [["周乃翔"]], "evidence": "市長周乃翔"},
        {"id": "t3", "question": "2012年欧洲冠军联赛的冠军是哪支球队？", "answers": [], "type": "unanswerable"},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    runner = CliRunner()
    args = ["--vectorstore", str(tmp_path / "index"), "eval", str(questions), "--report", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "keyword accuracy" in result.output
    for name in ("report.json", "report.md", "report.html"):
        assert (out / name).stat().st_size > 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    results, s = report["results"], report["summary"]
    assert [r["id"] for r in results] == ["t1", "t2", "t3"]
    assert s["questions"] == 3 and s["answerable"] == 2 and s["unanswerable"] == 1
    assert s["accuracy"] == round(sum(r["passed"] for r in results) / 3, 4)
    assert s["f1"] == round(sum(r["f1"] for r in results) / 3, 4)
    assert s["em"] == round(sum(r["em"] for r in results) / 3, 4)
    hits = [r["evidence_rank"] is not None and r["evidence_rank"] <= 3 for r in results[:2]]
    assert s["hit_at_3"] == round(sum(hits) / 2, 4)
    assert s["refusal_recall"] == float(results[2]["refused"])
    for r in results:
        if r["refused"]:
            assert (r["em"], r["f1"]) == ((1.0, 1.0) if r["expected"] == [] else (0.0, 0.0))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")

    again = runner.invoke(cli, [*args[:-2], "--compare", str(out / "report.json")])
    assert again.exit_code == 0, again.output
    assert "Compared with the earlier report" in again.output
