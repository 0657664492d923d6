// Optimised builds (-O) drop the message of Swift's `precondition`, printing only "precondition
// failure". Myelin's messages name the op and both shapes, which is the whole point of them, so
// these versions keep the message in every build. With `package` access they take the place of the
// standard ones in every module of this package that imports MyelinTensor, while a user's own code
// (`import Myelin` from another package) keeps Swift's.

/// Stops the program with `message` (file and line included) when `condition` is false.
@_transparent
package func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// Stops the program with `message` (file and line included).
@_transparent
package func preconditionFailure(
    _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) -> Never {
    fatalError(message(), file: file, line: line)
}
