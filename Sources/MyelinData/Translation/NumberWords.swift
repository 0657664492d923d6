/// Whole numbers in English words, the British way: "three hundred and forty-two",
/// "two million and five", "forty-two thousand one hundred and seven".
public enum NumberWords {
    /// The largest number written: 999,999,999.
    public static let maximum = 999_999_999

    /// `n` (0…`maximum`) in words, lowercase, tens and units joined by a hyphen ("forty-two").
    public static func words(_ n: Int) -> String {
        precondition(n >= 0 && n <= maximum, "NumberWords.words: \(n) is outside 0…\(maximum)")
        if n == 0 { return "zero" }
        let (millions, thousands, units) = (n / 1_000_000, n / 1000 % 1000, n % 1000)
        var parts = [String]()
        if millions > 0 { parts.append(belowThousand(millions) + " million") }
        if thousands > 0 { parts.append(belowThousand(thousands) + " thousand") }
        // A last group without hundreds after a larger one takes "and": "one thousand and five".
        if units > 0 { parts.append((n >= 1000 && units < 100 ? "and " : "") + belowThousand(units)) }
        return parts.joined(separator: " ")
    }

    private static let ones = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ]
    private static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    private static func belowHundred(_ n: Int) -> String {
        n < 20 ? ones[n] : tens[n / 10] + (n % 10 == 0 ? "" : "-" + ones[n % 10])
    }

    private static func belowThousand(_ n: Int) -> String {
        let (hundreds, rest) = (n / 100, n % 100)
        guard hundreds > 0 else { return belowHundred(rest) }
        return "\(ones[hundreds]) hundred" + (rest == 0 ? "" : " and " + belowHundred(rest))
    }
}
