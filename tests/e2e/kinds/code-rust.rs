use std::collections::HashMap;

/// Counts how often each byte value occurs and prints the most common.
fn main() {
    let text = "the quick brown fox jumps over the lazy dog";
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        *counts.entry(c).or_insert(0) += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (c, n) in sorted.iter().take(5) {
        println!("{c}: {n}");
    }
}
