"""word2vec's training speed, Myelin's against gensim's, on the same sentences with the same settings.

Run from the repository after `swift build -c release --product myelin`, with gensim installed
(`pip install gensim`):

    python Tools/word2vec_gensim.py [--pairs 3] [--threads 2] [--text Data/text/shakespeare.txt]

It first has `myelin train word2vec --save-sentences` write the text's sentences as Myelin cuts
them (one a line, words separated by spaces), so that gensim learns from exactly the same words.
Then, for skip-gram and CBOW, it runs the two programs alternately, `--pairs` times each (the
first of a pair alternates too), with gensim's defaults but for the vector length: 100 dimensions,
window 5, 5 noise words, min_count 5, sample 1e-3, 5 epochs, learning rate 0.025 → 0.0001, and
`--threads` worker threads for both. A run's speed is the text's words (rare ones included, gensim's
"raw words") times the epochs over the seconds of training: gensim's `train()` call, and the
Trainer's seconds of `myelin train word2vec` (which include its checkpoint after every epoch).
It prints each pair, the ratio Myelin/gensim per pair and their median, a few nearest neighbours
and an analogy of both, and checks that gensim's `KeyedVectors.load_word2vec_format` reads
Myelin's vectors.txt. Everything goes to OUT/comparison.json too.
"""

import argparse
import json
import os
import statistics
import subprocess
import time

from gensim.models import KeyedVectors, Word2Vec

SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, alpha=0.025, min_alpha=0.0001)
PROBES = ["king", "love", "father", "night"]


def myelin_run(myelin, text, out, architecture, threads, seed):
    """Trains with `myelin train word2vec`; returns its words/s and its vectors.txt."""
    command = [
        myelin, "train", "word2vec", "--text", text, "--architecture", architecture, "--threads", str(threads),
        "--dimensions", str(SETTINGS["vector_size"]), "--window", str(SETTINGS["window"]),
        "--negative", str(SETTINGS["negative"]), "--min-count", str(SETTINGS["min_count"]),
        "--sample", str(SETTINGS["sample"]), "--epochs", str(SETTINGS["epochs"]),
        "--learning-rate", str(SETTINGS["alpha"]), "--min-learning-rate", str(SETTINGS["min_alpha"]),
        "--seed", str(seed), "--out", out,
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    return results["metrics"]["words per second"], os.path.join(out, "vectors.txt")


def gensim_run(sentences, words, architecture, threads, seed):
    """Trains gensim's Word2Vec; returns its words/s (the train() call's) and the model."""
    model = Word2Vec(sg=1 if architecture == "skipgram" else 0, workers=threads, seed=seed, **SETTINGS)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=SETTINGS["epochs"])
    seconds = time.perf_counter() - start
    return SETTINGS["epochs"] * words / seconds, model


def neighbours(vectors):
    found = {w: [(n, round(s, 3)) for n, s in vectors.most_similar(w, topn=5)] for w in PROBES if w in vectors}
    found["king - man + woman"] = [(n, round(s, 3)) for n, s in vectors.most_similar(positive=["king", "woman"], negative=["man"], topn=5)]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--myelin", default=".build/release/myelin")
    parser.add_argument("--text", default="Data/text/shakespeare.txt")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="runs/word2vec-vs-gensim")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    sentences_file = os.path.join(args.out, "sentences.txt")
    subprocess.run(
        [args.myelin, "train", "word2vec", "--text", args.text, "--epochs", "1", "--threads", "1",
         "--save-sentences", sentences_file, "--out", os.path.join(args.out, "sentences-run")],
        check=True, stdout=subprocess.DEVNULL)
    with open(sentences_file) as f:
        sentences = [line.split() for line in f if line.strip()]
    words = sum(len(s) for s in sentences)
    print(f"{len(sentences)} sentences, {words} words, {args.threads} threads each, {args.pairs} pairs per architecture")

    report = {"settings": SETTINGS, "threads": args.threads, "words": words, "sentences": len(sentences), "runs": {}}
    for architecture in ["skipgram", "cbow"]:
        pairs = []
        for i in range(args.pairs):
            def myelin():
                return myelin_run(args.myelin, args.text, os.path.join(args.out, f"myelin-{architecture}-{i}"), architecture, args.threads, i)

            def gensim():
                return gensim_run(sentences, words, architecture, args.threads, i)

            if i % 2 == 0:
                (m, vectors_file), (g, model) = myelin(), gensim()
            else:
                (g, model), (m, vectors_file) = gensim(), myelin()
            pairs.append({"myelin": m, "gensim": g, "ratio": m / g})
            print(f"{architecture} pair {i + 1}: Myelin {m:,.0f} words/s, gensim {g:,.0f} words/s, ratio {m / g:.2f}")
        ratio = statistics.median(p["ratio"] for p in pairs)
        print(f"{architecture}: median ratio {ratio:.2f}; median Myelin {statistics.median(p['myelin'] for p in pairs):,.0f}, "
              f"gensim {statistics.median(p['gensim'] for p in pairs):,.0f} words/s")
        loaded = KeyedVectors.load_word2vec_format(vectors_file, binary=False)
        print(f"gensim's KeyedVectors.load_word2vec_format read {vectors_file}: {len(loaded)} words of {loaded.vector_size} numbers")
        quality = {"myelin": neighbours(loaded), "gensim": neighbours(model.wv)}
        for who, found in quality.items():
            for word, near in found.items():
                print(f"  {who:6} {word}: " + ", ".join(f"{n} {s:.2f}" for n, s in near))
        report["runs"][architecture] = {"pairs": pairs, "median_ratio": ratio, "neighbours": quality,
                                        "loaded_by_gensim": {"words": len(loaded), "dimensions": loaded.vector_size}}
    with open(os.path.join(args.out, "comparison.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
