/// The element type of a tensor's storage.
///
/// Arithmetic and gradients are float32; the integer types hold labels and indices (int64 is
/// PyTorch's default for those), and `bool` holds masks.
public enum DType: String, Sendable, CustomStringConvertible {
    case float32, int32, int64, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        case .bool: return 1
        }
    }

    /// Whether values of this type can carry gradients.
    public var isFloatingPoint: Bool { self == .float32 }

    public var description: String { rawValue }
}
