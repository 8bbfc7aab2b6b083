"""Prints the ten most common words read from standard input."""
import sys
from collections import Counter


def words(text: str) -> list[str]:
    return [w.strip(".,;:!?\"'()").lower() for w in text.split() if w.strip(".,;:!?\"'()")]


def main() -> None:
    counts = Counter(words(sys.stdin.read()))
    for word, n in counts.most_common(10):
        print(f"{n:6} {word}")


if __name__ == "__main__":
    main()
