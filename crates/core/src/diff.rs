//! Line diffs between two versions of an artifact, for the studio's Versions view.
//!
//! Myers' O((N+M)·D) algorithm over lines, after trimming the common head and tail (versions of
//! one artifact usually differ in a few places). Model output is untrusted, so the work is
//! bounded: past [`MAX_EDITS`] differing lines the diff gives up and says so rather than
//! spending quadratic time and memory on two unrelated files.

/// One line of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// In both versions.
    Same(&'a str),
    /// Only in the older version.
    Removed(&'a str),
    /// Only in the newer version.
    Added(&'a str),
}

/// The most inserted plus deleted lines a diff works out.
pub const MAX_EDITS: usize = 2_000;

/// Why no diff was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// The versions differ in more than [`MAX_EDITS`] lines.
    #[error("the versions differ in more than {MAX_EDITS} lines; compare them in the Code tab")]
    TooDifferent,
}

/// The lines that turn `old` into `new`, in order.
pub fn lines<'a>(old: &'a str, new: &'a str) -> Result<Vec<Line<'a>>, DiffError> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<Line<'a>> = a[..head].iter().map(|l| Line::Same(l)).collect();
    out.extend(middle(mid_a, mid_b)?);
    out.extend(a[a.len() - tail..].iter().map(|l| Line::Same(l)));
    Ok(out)
}

/// Counts of added and removed lines.
pub fn stats(diff: &[Line<'_>]) -> (usize, usize) {
    diff.iter().fold((0, 0), |(add, del), l| match l {
        Line::Added(_) => (add + 1, del),
        Line::Removed(_) => (add, del + 1),
        Line::Same(_) => (add, del),
    })
}

/// Myers' greedy forward search, keeping each round's frontier to walk the path back.
fn middle<'a>(a: &[&'a str], b: &[&'a str]) -> Result<Vec<Line<'a>>, DiffError> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Ok(a
            .iter()
            .map(|l| Line::Removed(l))
            .chain(b.iter().map(|l| Line::Added(l)))
            .collect());
    }
    let max = n + m;
    if max.min(MAX_EDITS) < n.abs_diff(m) {
        return Err(DiffError::TooDifferent);
    }
    let offset = max as isize;
    let mut v = vec![0usize; 2 * max + 2];
    // Each round keeps only the diagonals the walk back can read (k in -d-1..=d+1), so memory
    // grows with D², bounded by MAX_EDITS, not with the files' length.
    let mut trace: Vec<Vec<usize>> = Vec::new();
    let mut found = None;
    'search: for d in 0..=max.min(MAX_EDITS) {
        let lo = (offset - d as isize - 1).max(0) as usize;
        let hi = (offset + d as isize + 1) as usize;
        trace.push(v[lo..=hi].to_vec());
        let d = d as isize;
        let mut k = -d;
        while k <= d {
            let i = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
                v[i + 1]
            } else {
                v[i - 1] + 1
            };
            let mut y = (x as isize - k) as usize;
            while x < n && y < m && a[x] == b[y] {
                x += 1;
                y += 1;
            }
            v[i] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'search;
            }
            k += 2;
        }
    }
    let Some(depth) = found else {
        return Err(DiffError::TooDifferent);
    };
    // Walk back from (n, m) through the saved frontiers.
    let mut out = Vec::with_capacity(n + m);
    let (mut x, mut y) = (n as isize, m as isize);
    for d in (0..=depth).rev() {
        let saved = &trace[d as usize];
        let lo = (offset - d - 1).max(0);
        let at = |k: isize| saved[(k + offset - lo) as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = at(prev_k) as isize;
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            out.push(Line::Same(a[x as usize]));
        }
        if d > 0 {
            if x == prev_x {
                y -= 1;
                out.push(Line::Added(b[y as usize]));
            } else {
                x -= 1;
                out.push(Line::Removed(a[x as usize]));
            }
        }
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn render(d: &[Line<'_>]) -> String {
        d.iter()
            .map(|l| match l {
                Line::Same(t) => format!(" {t}\n"),
                Line::Removed(t) => format!("-{t}\n"),
                Line::Added(t) => format!("+{t}\n"),
            })
            .collect()
    }

    #[test]
    fn a_small_edit_is_a_small_diff() {
        let old = "a\nb\nc\nd\ne\n";
        let new = "a\nb\nC\nd\ne\nf\n";
        let d = lines(old, new).unwrap();
        assert_eq!(render(&d), " a\n b\n-c\n+C\n d\n e\n+f\n");
        assert_eq!(stats(&d), (2, 1));
    }

    #[test]
    fn empty_and_identical() {
        assert_eq!(lines("", "").unwrap(), vec![]);
        assert_eq!(render(&lines("", "x\ny").unwrap()), "+x\n+y\n");
        assert_eq!(render(&lines("x\ny", "").unwrap()), "-x\n-y\n");
        assert_eq!(stats(&lines("same\n", "same\n").unwrap()), (0, 0));
    }

    #[test]
    fn unrelated_huge_files_give_up_quickly() {
        let a: String = (0..20_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..20_000).map(|i| format!("b{i}\n")).collect();
        assert_eq!(lines(&a, &b), Err(DiffError::TooDifferent));
    }

    proptest! {
        #[test]
        fn applying_the_diff_gives_both_versions(
            a in proptest::collection::vec("[abc]{0,2}", 0..30),
            b in proptest::collection::vec("[abc]{0,2}", 0..30),
        ) {
            let (old, new) = (a.join("\n"), b.join("\n"));
            let d = lines(&old, &new).unwrap();
            let back_old: Vec<&str> = d.iter().filter_map(|l| match l { Line::Same(t) | Line::Removed(t) => Some(*t), Line::Added(_) => None }).collect();
            let back_new: Vec<&str> = d.iter().filter_map(|l| match l { Line::Same(t) | Line::Added(t) => Some(*t), Line::Removed(_) => None }).collect();
            prop_assert_eq!(back_old, old.lines().collect::<Vec<_>>());
            prop_assert_eq!(back_new, new.lines().collect::<Vec<_>>());
        }
    }
}
