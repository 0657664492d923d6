import Foundation
import Myelin
import MyelinModels

/// Each of `words`' five nearest words with its cosine similarity, a line per word ("king: queen
/// 0.71, …"); a word without a vector says so.
func neighborTable(_ vectors: WordVectors, words: [String], count: Int = 5) -> [String] {
    words.map { word in
        guard let nearest = try? vectors.nearest(to: word, count: count) else { return "\(word): not in the vocabulary" }
        return "\(word): " + nearest.map { $0.word + String(format: " %.2f", $0.similarity) }.joined(separator: ", ")
    }
}

/// `words`' vectors on their first two principal components, each dot labelled with its word (the
/// words without a vector left out); nil when fewer than three have one.
func wordMap(_ vectors: WordVectors, words: [String]) -> RunPlot? {
    let known = words.filter { (try? vectors.vector(of: $0)) != nil }
    guard known.count >= 3 else { return nil }
    let points = known.map { word in (try! vectors.vector(of: word)).scalars.map(Double.init) }
    let pca = PrincipalComponents(of: points, count: 2)
    let share = pca.variances.map { 100 * $0 / pca.totalVariance }
    let projected = points.map { pca.project($0) }
    return RunPlot(
        name: "word-map",
        plot: LinePlot(
            title: "words on two principal components",
            xLabel: String(format: "component 1 (%.0f%% of their variance)", share[0]),
            yLabel: String(format: "component 2 (%.0f%%)", share[1]),
            series: [LinePlot.Series(name: "", points: projected.map { ($0[0], $0[1]) }, markers: true, labels: known)]),
        width: 900, height: 700)
}
