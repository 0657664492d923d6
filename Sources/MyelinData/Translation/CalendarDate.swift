/// A day of the proleptic Gregorian calendar, and the ways people write it.
public struct CalendarDate: Hashable, Sendable, Comparable {
    public let year: Int
    /// 1…12.
    public let month: Int
    /// 1…31.
    public let day: Int

    /// The date `days` days after 1970-01-01 (negative: before). Howard Hinnant's civil_from_days.
    public init(daysSince1970 days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let m = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * m + 2) / 5 + 1
        month = m < 10 ? m + 3 : m - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The date of `year`-`month`-`day`; it must exist.
    public init(year: Int, month: Int, day: Int) {
        precondition(
            (1...12).contains(month) && day >= 1 && day <= Self.daysIn(month: month, year: year),
            "CalendarDate: \(year)-\(month)-\(day) is not a date")
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days after 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((daysSince1970 + 3) % 7 + 7) % 7 }

    public static func daysIn(month: Int, year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.daysSince1970 < b.daysSince1970 }

    /// "2015-03-03": ISO 8601, what the dates task translates every other way into.
    public var iso: String { "\(year)-\(Self.twoDigits(month))-\(Self.twoDigits(day))" }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

extension CalendarDate {
    /// Ways to write a date, each one interpretation only (the examples write 3 March 2015, a Tuesday).
    /// Two-digit years are 1950–2049 (50–99 → 19xx, 00–49 → 20xx); slashes are month first, as in
    /// the US, dots day first, as in Europe.
    public enum Style: String, CaseIterable, Sendable {
        /// 3 March 2015
        case dayMonthYear
        /// 3 Mar 2015
        case dayShortMonthYear
        /// March 3, 2015
        case monthDayYear
        /// March 3rd, 2015
        case monthOrdinalYear
        /// Tuesday, March 3, 2015
        case weekdayMonthDayYear
        /// Tue 3 Mar 2015
        case shortWeekdayDayMonthYear
        /// Tuesday, 3 March 2015
        case weekdayDayMonthYear
        /// the 3rd of March 2015
        case ordinalOfMonthYear
        /// Tuesday, the third of March 2015
        case weekdayOrdinalWordOfMonthYear
        /// the third day of March in the year 2015
        case ordinalWordDayOfMonthInTheYear
        /// 03/03/15 (month/day/year)
        case usShort
        /// 3/3/2015 (month/day/year)
        case usNumeric
        /// 3.3.2015 (day.month.year)
        case european
        /// 03-Mar-15
        case dayShortMonthShortYear
        /// 2015-03-03
        case iso
        /// 20150303
        case compact
    }

    /// The date written in `style` (with capitals where people write them).
    public func written(_ style: Style) -> String {
        let monthName = Self.monthNames[month - 1], shortMonth = String(monthName.prefix(3))
        let weekdayName = Self.weekdayNames[weekday], shortWeekday = String(weekdayName.prefix(3))
        let shortYear = Self.twoDigits(year % 100)
        switch style {
        case .dayMonthYear: return "\(day) \(monthName) \(year)"
        case .dayShortMonthYear: return "\(day) \(shortMonth) \(year)"
        case .monthDayYear: return "\(monthName) \(day), \(year)"
        case .monthOrdinalYear: return "\(monthName) \(Self.ordinal(day)), \(year)"
        case .weekdayMonthDayYear: return "\(weekdayName), \(monthName) \(day), \(year)"
        case .shortWeekdayDayMonthYear: return "\(shortWeekday) \(day) \(shortMonth) \(year)"
        case .weekdayDayMonthYear: return "\(weekdayName), \(day) \(monthName) \(year)"
        case .ordinalOfMonthYear: return "the \(Self.ordinal(day)) of \(monthName) \(year)"
        case .weekdayOrdinalWordOfMonthYear: return "\(weekdayName), the \(Self.ordinalWords[day - 1]) of \(monthName) \(year)"
        case .ordinalWordDayOfMonthInTheYear: return "the \(Self.ordinalWords[day - 1]) day of \(monthName) in the year \(year)"
        case .usShort: return "\(Self.twoDigits(month))/\(Self.twoDigits(day))/\(shortYear)"
        case .usNumeric: return "\(month)/\(day)/\(year)"
        case .european: return "\(day).\(month).\(year)"
        case .dayShortMonthShortYear: return "\(Self.twoDigits(day))-\(shortMonth)-\(shortYear)"
        case .iso: return iso
        case .compact: return "\(year)\(Self.twoDigits(month))\(Self.twoDigits(day))"
        }
    }

    public static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
    public static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// "1st", "2nd", "3rd", "4th", … "11th", "12th", "13th", … "21st", "22nd", "23rd", …
    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][n % 10]
        return "\(n)\(suffix)"
    }

    /// "first" … "thirty-first".
    static let ordinalWords: [String] = {
        let units = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
        let teens = [
            "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
        ]
        return units + teens + ["twentieth"] + units.map { "twenty-\($0)" } + ["thirtieth", "thirty-first"]
    }()
}
