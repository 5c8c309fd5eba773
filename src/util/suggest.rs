/*!
"Did you mean …?": the closest of the known words to one that matched none,
by edit distance (Levenshtein, counted in characters). Commands, flags,
profile and session names and regions all ask here, so every hint is found
the same way.
*/

/// The candidate closest to `word`, when it is close enough to be a likely
/// typo: at most a third of the word's length in edits (at least 1, at most
/// 3). With `ignore_case`, case differences cost nothing (profile and
/// session names are often typed in another case). Ties go to the first
/// candidate, so callers list the likelier ones first.
pub fn closest<'a, I>(word: &str, candidates: I, ignore_case: bool) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let fold = |s: &str| {
        if ignore_case {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let wanted = fold(word);
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&wanted, &fold(c));
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// " (did you mean 'X'?)" for a message, or nothing.
pub fn hint<'a, I>(word: &str, candidates: I, ignore_case: bool) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates, ignore_case)
        .map(|c| format!(" (did you mean '{c}'?)"))
        .unwrap_or_default()
}

/// The Levenshtein distance between `a` and `b`, in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("eu-wst-1", "eu-west-1"), 1);
        assert_eq!(distance("é", "e"), 1);
    }

    #[test]
    fn close_words_are_suggested_far_ones_are_not() {
        let commands = ["generate", "login", "logout", "roles", "export"];
        assert_eq!(closest("genrate", commands, false), Some("generate"));
        assert_eq!(closest("logn", commands, false), Some("login"));
        assert_eq!(closest("xyz", commands, false), None);
        assert_eq!(closest("PROD-ADMIN", ["prod.admin"], false), None);
        assert_eq!(
            closest("PROD-ADMIN", ["prod.admin"], true),
            Some("prod.admin")
        );
        assert_eq!(hint("rols", commands, false), " (did you mean 'roles'?)");
        assert_eq!(hint("zzzz", commands, false), "");
    }
}
