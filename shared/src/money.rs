//! Money: amounts are integer 分 (1/100 yuan) in storage and on the wire, `rust_decimal` in
//! arithmetic, never a float. Rounding is half-up (away from zero at .5), the rule of Chinese
//! invoices (发票) and of every figure Kaidan shows.

use rust_decimal::{Decimal, RoundingStrategy};

/// `v` 分, rounded half-up to a whole 分. Saturates at the `i64` range; callers bound their inputs
/// far inside it first (`quote::check_line`, `opportunity::MAX_AMOUNT`).
pub fn round_fen(v: Decimal) -> i64 {
    let r = v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(r).unwrap_or(if r.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// `fen` as yuan with two decimals and thousands separators: `1234567` → `12,345.67`. For print
/// and display; the web app's own formatter follows the user's language.
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{:02}", if neg { "-" } else { "" }, abs % 100)
}

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// The places inside a group of four digits, from the lowest.
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];

/// An amount in Chinese capitals (人民币大写), as contracts and receipts write it, after the
/// People's Bank of China's rules for settlement documents (《支付结算办法》附件):
///
/// - whole yuan: each group of four digits with 拾佰仟 and its 万 / 亿; a run of zeros inside
///   the number is one 零 (`100,005` → 壹拾万零伍元), none at the end of a group;
/// - then 元, or nothing when there are no whole yuan but there are 角 or 分;
/// - 角 and 分 as digits; a zero 角 between non-zero yuan and 分 is written 零
///   (`1.05` → 壹元零伍分);
/// - 整 when there are no 分 (`100` → 壹佰元整, `0.50` → 伍角整); zero is 零元整;
/// - negative amounts start with 负.
pub fn capitals(fen: i64) -> String {
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let abs = fen.unsigned_abs();
    let (whole, jiao, fen_digit) = (abs / 100, (abs / 10 % 10) as usize, (abs % 10) as usize);
    if whole == 0 && jiao == 0 && fen_digit == 0 {
        return "零元整".to_string();
    }
    if whole > 0 {
        out.push_str(&whole_capitals(whole));
        out.push('元');
    }
    if jiao > 0 {
        out.push(DIGITS[jiao]);
        out.push('角');
    } else if whole > 0 && fen_digit > 0 {
        out.push('零');
    }
    if fen_digit > 0 {
        out.push(DIGITS[fen_digit]);
        out.push('分');
    } else {
        out.push('整');
    }
    out
}

/// The whole-yuan part (`n` > 0): 亿 and 万 sections from the highest, one 零 for each run of
/// zeros between non-zero digits, also across a section's boundary (`10,000,100` → 壹仟万零壹佰).
fn whole_capitals(n: u64) -> String {
    for (size, name) in [(100_000_000u64, "亿"), (10_000, "万")] {
        if n >= size {
            let (high, low) = (n / size, n % size);
            let mut out = whole_capitals(high);
            out.push_str(name);
            if low > 0 {
                if low < size / 10 {
                    out.push('零');
                }
                out.push_str(&whole_capitals(low));
            }
            return out;
        }
    }
    // Below 10,000: the digits with their places; inner zeros as one 零, none at the end.
    let mut out = String::new();
    let mut zero = false;
    for p in (0..4).rev() {
        let d = (n / 10u64.pow(p as u32) % 10) as usize;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(PLACES[p]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_follow_the_settlement_rules() {
        for (fen, want) in [
            (0, "零元整"),
            (1, "壹分"),
            (10, "壹角整"),
            (50, "伍角整"),
            (55, "伍角伍分"),
            (100, "壹元整"),
            (105, "壹元零伍分"),
            (150, "壹元伍角整"),
            (1_000, "壹拾元整"),
            (1_010, "壹拾元壹角整"),
            (10_000, "壹佰元整"),
            (10_100, "壹佰零壹元整"),
            (100_100, "壹仟零壹元整"),
            (168_032, "壹仟陆佰捌拾元叁角贰分"),
            (1_000_000, "壹万元整"),
            (10_000_500, "壹拾万零伍元整"),
            (10_050_000, "壹拾万零伍佰元整"),
            (12_345_678, "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
            (100_001_000, "壹佰万零壹拾元整"),
            (1_000_010_000, "壹仟万零壹佰元整"),
            (10_000_000_000, "壹亿元整"),
            (10_000_000_100, "壹亿零壹元整"),
            (10_100_000_000, "壹亿零壹佰万元整"),
            (30_705_020_009, "叁亿零柒佰零伍万零贰佰元零玖分"),
            (10_000_000_000_000, "壹仟亿元整"),
            (123_450_000_000_000, "壹万贰仟叁佰肆拾伍亿元整"),
            (-12_345, "负壹佰贰拾叁元肆角伍分"),
        ] {
            assert_eq!(capitals(fen), want, "{fen}");
        }
    }

    #[test]
    fn the_largest_amounts_have_capitals() {
        // i64::MIN has no positive twin in i64; unsigned_abs takes it.
        assert!(capitals(i64::MIN).starts_with('负'));
        assert!(capitals(i64::MAX).ends_with('分'));
    }

    #[test]
    fn rounding_is_half_up_away_from_zero() {
        use std::str::FromStr;
        for (v, want) in [
            ("0.5", 1),
            ("1.4999", 1),
            ("2.5", 3),
            ("-2.5", -3),
            ("-2.4", -2),
            ("0", 0),
        ] {
            assert_eq!(round_fen(Decimal::from_str(v).unwrap()), want, "{v}");
        }
    }

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(-100_000), "-1,000.00");
    }
}
