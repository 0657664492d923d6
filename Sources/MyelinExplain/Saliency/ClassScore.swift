/// The sum over a batch of each row's logit for its class (`classes[i]` for row i): a scalar
/// whose gradient with respect to a row's input is that row's own.
func classScore(_ logits: Tensor, _ classes: [Int]) -> Tensor {
    precondition(
        logits.rank == 2 && logits.shape[0] == classes.count,
        "classScore: logits \(logits.shape) and \(classes.count) classes do not pair up")
    let width = logits.shape[1]
    let pick = Tensor(shape: logits.shape, scalars: classes.flatMap { c in (0..<width).map { $0 == c ? 1 : 0 } })
    return (logits * pick).sum()
}
