//! Small maps and sets kept in a `Vec`, for the page's handfuls of entries (frames by run,
//! calls in flight, apps marked dirty).
//!
//! Why not `BTreeMap`: the page's wasm carries a copy of a B-tree's node code for every key and
//! value type, 5–13 KB each before wasm-opt (BENCHMARKS.md, "Web bundle size"). A map of a few
//! entries needs none of it: a linear scan is as fast there and its code is a few hundred
//! bytes. Entries keep the order they were first inserted in.

/// A map with entries in a `Vec`, in insertion order; for a few entries, not thousands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: PartialEq, V> VecMap<K, V> {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// Sets `key` to `value`; the old value, if there was one (its place in the order stays).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    #[must_use]
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The value of `key`, made by `make` first if there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                self.entries.push((key, make()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    #[must_use]
    pub fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// Takes `key` out, keeping the others in their order.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A set in a `Vec`, in insertion order; for a few members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    members: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        Self {
            members: Vec::new(),
        }
    }
}

impl<T: PartialEq> VecSet<T> {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; false if it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        if self.members.contains(&value) {
            return false;
        }
        self.members.push(value);
        true
    }

    /// Takes `value` out; false if it was not there.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: PartialEq<Q>,
        Q: ?Sized,
    {
        match self.members.iter().position(|m| m == value) {
            Some(i) => {
                self.members.remove(i);
                true
            }
            None => false,
        }
    }

    #[must_use]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: PartialEq<Q>,
        Q: ?Sized,
    {
        self.members.iter().any(|m| m == value)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.members.iter()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.members.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl<T: PartialEq> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for v in values {
            self.insert(v);
        }
    }
}

impl<T: PartialEq> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut set = Self::new();
        set.extend(values);
        set
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u16),
        Remove(u8),
        AddTo(u8, u16),
        RetainEven,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..8, any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0u8..8).prop_map(Op::Remove),
            (0u8..8, any::<u16>()).prop_map(|(k, v)| Op::AddTo(k, v)),
            Just(Op::RetainEven),
        ]
    }

    proptest! {
        /// Whatever is done to it, a `VecMap` holds what a `BTreeMap` would, and keeps its
        /// entries in the order their keys first came in (since they last left).
        #[test]
        fn a_map_agrees_with_a_btree_map(ops in proptest::collection::vec(op(), 0..60)) {
            let (mut m, mut b, mut order) = (VecMap::new(), BTreeMap::new(), Vec::new());
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        prop_assert_eq!(m.insert(k, v), b.insert(k, v));
                        if !order.contains(&k) {
                            order.push(k);
                        }
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(m.remove(&k), b.remove(&k));
                        order.retain(|o| *o != k);
                    }
                    Op::AddTo(k, v) => {
                        *m.get_or_insert_with(k, || 0) ^= v;
                        *b.entry(k).or_insert(0) ^= v;
                        if !order.contains(&k) {
                            order.push(k);
                        }
                    }
                    Op::RetainEven => {
                        m.retain(|_, v| {
                            *v = v.wrapping_add(1);
                            *v % 2 == 0
                        });
                        b.retain(|_, v| {
                            *v = v.wrapping_add(1);
                            *v % 2 == 0
                        });
                        order.retain(|k| b.contains_key(k));
                    }
                }
                prop_assert_eq!(m.len(), b.len());
                for k in 0u8..8 {
                    prop_assert_eq!(m.get(&k), b.get(&k));
                    prop_assert_eq!(m.contains_key(&k), b.contains_key(&k));
                }
                prop_assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), order.clone());
            }
        }
    }

    #[test]
    fn a_map_keeps_one_entry_per_key_in_first_insertion_order() {
        let mut m = VecMap::new();
        assert_eq!(m.insert(3, "c"), None);
        assert_eq!(m.insert(1, "a"), None);
        assert_eq!(m.insert(3, "C"), Some("c"));
        assert_eq!(m.len(), 2);
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&3, &"C"), (&1, &"a")]);
        assert_eq!(m.get(&1), Some(&"a"));
        assert_eq!(m.get(&2), None);
        assert!(m.contains_key(&3) && !m.contains_key(&2));
        if let Some(v) = m.get_mut(&1) {
            *v = "A";
        }
        assert_eq!(m.values().copied().collect::<Vec<_>>(), ["C", "A"]);
        *m.get_or_insert_with(5, || "e") = "E";
        assert_eq!(*m.get_or_insert_with(5, || "x"), "E");
        m.values_mut().filter(|v| **v == "E").for_each(|v| *v = "e");
        assert_eq!(m.remove(&5), Some("e"));
        assert_eq!(m.remove(&3), Some("C"));
        assert_eq!(m.remove(&3), None);
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&1, &"A")]);
    }

    #[test]
    fn retain_and_iter_mut_see_every_entry() {
        let mut m: VecMap<(u64, u32), u32> = (0..6).fold(VecMap::new(), |mut m, i| {
            m.insert((i, 0), u32::try_from(i).unwrap_or(0));
            m
        });
        for (_, v) in m.iter_mut() {
            *v *= 10;
        }
        m.retain(|(run, _), v| *run % 2 == 0 && *v > 0);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [(&(2, 0), &20), (&(4, 0), &40)]
        );
        m.retain(|_, _| false);
        assert!(m.is_empty());
    }

    #[test]
    fn a_set_holds_each_member_once() {
        let mut s: VecSet<String> = ["b", "a", "b"].into_iter().map(str::to_owned).collect();
        assert_eq!(s.len(), 2);
        assert!(!s.insert("a".to_owned()));
        assert!(s.insert("c".to_owned()));
        assert!(s.contains("b"));
        assert!(s.remove("b"));
        assert!(!s.remove("b"));
        assert!(!s.contains("b"));
        assert_eq!(s.iter().map(String::as_str).collect::<Vec<_>>(), ["a", "c"]);
        s.extend(["a".to_owned(), "d".to_owned()]);
        assert_eq!(s.into_iter().collect::<Vec<_>>(), ["a", "c", "d"]);
        assert!(VecSet::<u8>::new().is_empty());
    }
}
