"""The BLEU values that Tests/MyelinDataTests/SequenceBatchTests.swift expects, computed by sacrebleu.

Run once (pip install sacrebleu) and copy the printed numbers into the test:

    python Tools/make_bleu_fixture.py

sacrebleu is the reference: NLTK's corpus_bleu agrees except where a candidate is shorter than n,
which it counts as having one n-gram (its per-sentence max(1, count)), lowering that precision.
"""
import sacrebleu

CASES = {
    # The candidates and references of NLTK's corpus_bleu example (after Papineni et al.).
    "papineni": (
        [
            "It is a guide to action which ensures that the military always obeys the commands of the party",
            "he read the book because he was interested in world history",
        ],
        [
            [
                "It is a guide to action that ensures that the military will forever heed Party commands",
                "It is the guiding principle which guarantees the military forces always being under the command of the Party",
                "It is the practical guide for the army always to heed the directions of the party",
            ],
            ["he was interested in world history because he read the book"],
        ],
    ),
    # Short captions: a brevity penalty, and a candidate without any 4-gram.
    "captions": (
        ["a 3 left of a 7", "a 5 above"],
        [["a 3 left of a large 7"], ["a 5 above a 2", "a 5 over a 2"]],
    ),
}

for name, (candidates, references) in CASES.items():
    # sacrebleu wants one list per reference position; a missing reference is None.
    most = max(len(r) for r in references)
    streams = [[r[i] if i < len(r) else None for r in references] for i in range(most)]
    plain = sacrebleu.corpus_bleu(candidates, streams, smooth_method="none", tokenize="none")
    smoothed = sacrebleu.corpus_bleu(candidates, streams, smooth_method="add-k", smooth_value=1, tokenize="none")
    print(f"{name}: bleu4 {plain.score / 100:.10f} add-one {smoothed.score / 100:.10f} bp {plain.bp:.10f}")
