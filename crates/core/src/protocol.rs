//! The Kiln protocol as the model learns it: the system prompt, and the message that tells a
//! model its edit was refused.
//!
//! The prompt is versioned so that a stored conversation can say which rules its replies
//! followed; its list of libraries is generated from [`crate::vendor`], the same list the bundle
//! build vendors, so the model is never told of a library Kiln does not serve. It teaches by worked examples, which small local models copy far more
//! faithfully than they follow described rules; each example is also a public constant, and
//! tests feed the prompt through the extractor to prove the examples produce exactly the
//! artifact and edit they claim to. The find/replace markers are aider's SEARCH/REPLACE blocks,
//! the same lines as a git merge conflict: models have seen them countless times and reproduce
//! them reliably, they need no escaping of `<` or `&` in code (XML-style `<find>` tags tempt
//! models to escape), and being whole lines they fit the line-oriented extractor.
//! docs/protocol.md is the long form.

use std::sync::LazyLock;

use crate::extract::EditRejection;

/// Bumped whenever [`SYSTEM_PROMPT`] changes in a way that changes what models write.
pub const SYSTEM_PROMPT_VERSION: u32 = 2;

macro_rules! example_create {
    () => {
        r#"<kiln-artifact id="click-counter" kind="html" title="Click counter">
<!DOCTYPE html>
<html>
<head>
<style>
  body { font-family: sans-serif; display: grid; place-items: center; height: 100vh; margin: 0; }
  button { font-size: 2rem; padding: 0.5em 1em; }
</style>
</head>
<body>
<button id="count">Clicked 0 times</button>
<script>
  let clicks = 0;
  const button = document.getElementById("count");
  button.addEventListener("click", () => {
    clicks += 1;
    button.textContent = `Clicked ${clicks} times`;
  });
</script>
</body>
</html>
</kiln-artifact>
"#
    };
}

macro_rules! example_edit {
    () => {
        r#"<kiln-edit id="click-counter">
<<<<<<< SEARCH
    clicks += 1;
=======
    clicks += 2;
>>>>>>> REPLACE
<<<<<<< SEARCH
  button { font-size: 2rem; padding: 0.5em 1em; }
=======
  button { font-size: 2rem; padding: 0.5em 1em; background: #2e7d32; color: white; }
>>>>>>> REPLACE
</kiln-edit>
"#
    };
}

macro_rules! example_code {
    () => {
        r#"<kiln-artifact id="word-count" kind="code" language="python" title="Word counter">
import sys
from collections import Counter

def main() -> None:
    text = sys.stdin.read().lower()
    words = [w.strip(".,;:!?\"'()") for w in text.split()]
    counts = Counter(w for w in words if w)
    for word, n in counts.most_common(10):
        print(f"{n:6} {word}")

if __name__ == "__main__":
    main()
</kiln-artifact>
"#
    };
}

/// The first example: creating an HTML artifact.
pub const EXAMPLE_CREATE: &str = example_create!();

/// The second example: an edit of the first with two find/replace blocks.
pub const EXAMPLE_EDIT: &str = example_edit!();

/// The third example: a code artifact with a language.
pub const EXAMPLE_CODE: &str = example_code!();

/// What the system prompt adds when the person turned on "Teach the model the app API": how
/// apps call the person's model and keep data (`window.kiln`, see `docs/artifact-api.md`).
pub const APP_API_PROMPT: &str = include_str!("sandbox/live/prompt.md");

/// The system prompt for a turn: [`SYSTEM_PROMPT`], and the app API's section when `app_api`.
pub fn system_prompt(app_api: bool) -> String {
    if app_api {
        format!("{}\n\n{APP_API_PROMPT}", SYSTEM_PROMPT.trim_end())
    } else {
        SYSTEM_PROMPT.clone()
    }
}

/// The system prompt that teaches a model the Kiln protocol.
pub static SYSTEM_PROMPT: LazyLock<String> =
    LazyLock::new(|| PROMPT_TEMPLATE.replace("{libraries}", &crate::vendor::prompt_list()));

const PROMPT_TEMPLATE: &str = concat!(
    r#"You can make artifacts: small self-contained apps, pictures, diagrams and documents that the user sees and runs beside this chat.

# When to make an artifact
Make one for substantial content the user will want to run, look at, keep or change: a web app or game, a visualisation, an SVG picture, a Mermaid diagram, a React component, a document longer than a few paragraphs, a complete program. Answer in plain text for explanations, and use ordinary Markdown code blocks for short snippets and commands. Make at most one artifact per reply unless the user asks for more.

# How to write an artifact
Write an opening line <kiln-artifact id="..." kind="..." title="...">, then the complete file, then a closing line </kiln-artifact>. Put nothing else on the tag lines and do not wrap the file in a code block.
- id: a short lowercase name with dashes, such as "todo-app". Keep the same id when you change the artifact later.
- kind: html, svg, markdown, mermaid, react or code.
- language: for kind="code" only, such as language="python".
- title: a few words.
Write the whole file every time. Never leave parts out with "..." or "rest unchanged".
- html: one complete page with its CSS and JavaScript inline. It runs in a sandbox with no network: do not load fonts or images from other sites and do not call fetch. Scripts and styles from other sites do not load either, except the libraries below from cdn.jsdelivr.net (for example <script src="https://cdn.jsdelivr.net/npm/d3@7"></script>, or an import map for "three"), which Kiln serves itself. Storage may be cleared.
- react: one component file (JSX or TSX) with a default export that needs no props. Style it with Tailwind CSS classes. Import only from the libraries below; nothing else can be imported, not even CSS files.
- svg: one <svg> element with a viewBox.
- markdown: a document in GitHub-flavoured Markdown (tables, task lists, fenced code with a language).
- mermaid: the diagram text only.

# Libraries
These are the only libraries an artifact can use, at these versions:
{libraries}
# How to change an artifact
For a small change, send an edit of the current version instead of the whole file: an opening line <kiln-edit id="...">, one or more find/replace blocks, and a closing line </kiln-edit>. A block is a line <<<<<<< SEARCH, the exact lines to find, a line =======, the lines to put instead, and a line >>>>>>> REPLACE.
- Copy the SEARCH lines exactly from the current version, with the same indentation. Each SEARCH text must appear exactly once in it, so include enough lines to make it unique.
- Use one block for each place you change. Blocks must not overlap. Either all blocks apply or none does.
- If the change touches more than a few places, write the whole artifact again with the same id.
- If you are told an edit was not applied, write the whole artifact again with the same id.

# Examples
User: Make a button that counts clicks.
Assistant: Here is a click counter.

"#,
    example_create!(),
    r#"
Click the button to count.

User: Count by two and make the button green.
Assistant: Done: it now counts by two and the button is green.

"#,
    example_edit!(),
    r#"
User: A Python script that prints the ten most common words from standard input.
Assistant:
"#,
    example_code!(),
    r#"
Run it with: python word_count.py < book.txt
"#
);

/// The message to send the model after its edit was refused, so that it rewrites the artifact
/// in full instead of guessing at another patch.
pub fn edit_feedback(rejection: &EditRejection) -> String {
    match rejection.id() {
        Some(id) => format!(
            "Your edit was not applied ({rejection}). Nothing was changed. Write the whole \
             artifact again in a <kiln-artifact id=\"{id}\"> block with the complete file."
        ),
        None => format!(
            "Your edit was not applied ({rejection}). Nothing was changed. Write the whole \
             artifact again in a <kiln-artifact> block with its id and the complete file."
        ),
    }
}

/// Errors a Fix prompt carries at most, and characters of each: an app that throws in a loop
/// must not make a prompt of megabytes.
pub const FIX_MAX_ERRORS: usize = 10;
const FIX_MAX_ERROR_CHARS: usize = 600;
/// The current code goes along when it is at most this long; a longer artifact is in the
/// conversation already, which the model sees.
const FIX_MAX_CODE_CHARS: usize = 40_000;

/// What the Fix button sends: the errors the sandbox captured (the last few, each cut short),
/// and the artifact's current code when it fits, asking for a fix through the edit protocol.
pub fn fix_prompt(errors: &[String], code: &str) -> String {
    let start = errors.len().saturating_sub(FIX_MAX_ERRORS);
    let mut list = String::new();
    for e in &errors[start..] {
        let short: String = e.chars().take(FIX_MAX_ERROR_CHARS).collect();
        list.push_str("- ");
        list.push_str(short.trim());
        list.push('\n');
    }
    let mut prompt = format!(
        "The app shows these errors when it runs:\n{list}\nFind the cause and fix it. Change \
         only what the fix needs, and keep everything else as it is."
    );
    if code.chars().count() <= FIX_MAX_CODE_CHARS {
        prompt.push_str("\n\nThe current code:\n```\n");
        prompt.push_str(code);
        prompt.push_str("\n```");
    }
    prompt
}

/// Automatic fixes the studio sends in a row at most. Each fix makes a new version, so a limit
/// per version alone would let a model that never fixes anything loop forever; the count is
/// of fixes since the person last sent a message themselves, which is what "per version they
/// asked for" means in practice.
pub const AUTO_FIX_LIMIT: u32 = 2;

/// The automatic-fix budget: [`AUTO_FIX_LIMIT`] tries, refilled by the person's own message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AutoFix {
    used: u32,
}

impl AutoFix {
    /// Takes one try if any is left.
    pub fn take(&mut self) -> bool {
        if self.used >= AUTO_FIX_LIMIT {
            return false;
        }
        self.used += 1;
        true
    }

    /// The person sent a message: the budget is full again.
    pub fn refill(&mut self) {
        self.used = 0;
    }

    /// Tries used since the last refill.
    pub fn used(self) -> u32 {
        self.used
    }
}

/// What the studio's Continue button sends after a reply was cut off (a dropped connection, or
/// the token limit). The whole artifact again, not the rest of it: a continuation would start
/// mid-file, outside any fence, where no extractor can join it to the first half reliably.
pub const CONTINUE_PROMPT: &str = "Your last reply was cut off before the artifact was complete. \
Write the complete artifact again, from its first line to its last, in one block, with the same \
id and any changes you were making.";

/// Which of Kiln's own messages `text` is, as the conversation labels it: the studio wrote
/// it (after a refused edit, for Fix, for Continue), so it is not drawn as the person's words.
pub fn kiln_step(text: &str) -> Option<&'static str> {
    if text.starts_with("Your edit was not applied (") {
        Some("Kiln: the model's edit did not apply, so Kiln asked for the whole app again")
    } else if text.starts_with("The app shows these errors when it runs:") {
        Some("Kiln: sent the app's errors to the model, asking for a fix")
    } else if text == CONTINUE_PROMPT {
        Some("Kiln: the reply was cut off, so Kiln asked for the whole app again")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::EditError;

    #[test]
    fn kilns_own_messages_are_told_from_the_persons() {
        assert!(kiln_step(CONTINUE_PROMPT).is_some());
        assert!(kiln_step(&fix_prompt(&["ReferenceError: x".to_owned()], "x")).is_some());
        let refused = EditRejection::UnknownId {
            id: "counter".to_owned(),
        };
        assert!(kiln_step(&edit_feedback(&refused)).is_some_and(|l| l.contains("did not apply")));
        assert_eq!(kiln_step("a counter"), None);
        assert_eq!(kiln_step("Your edit was great"), None);
    }

    #[test]
    fn feedback_names_the_artifact_and_the_reason() {
        let rejection = EditRejection::NotApplied {
            id: "todo-app".to_owned(),
            version: 3,
            error: EditError::NotFound { block: 2, of: 3 },
        };
        assert_eq!(
            edit_feedback(&rejection),
            "Your edit was not applied (find block 2 of 3 matches 0 times in \"todo-app\" v3). \
             Nothing was changed. Write the whole artifact again in a \
             <kiln-artifact id=\"todo-app\"> block with the complete file."
        );
        assert!(edit_feedback(&EditRejection::MissingId).contains("edit has no id attribute"));
    }

    #[test]
    fn prompt_holds_each_example_verbatim() {
        for example in [EXAMPLE_CREATE, EXAMPLE_EDIT, EXAMPLE_CODE] {
            assert!(SYSTEM_PROMPT.contains(example));
        }
    }

    #[test]
    fn automatic_fixes_stop_after_the_limit_until_the_person_writes() {
        let mut budget = AutoFix::default();
        assert!(budget.take() && budget.take());
        assert!(!budget.take() && !budget.take());
        assert_eq!(budget.used(), AUTO_FIX_LIMIT);
        budget.refill();
        assert!(budget.take());
    }

    #[test]
    fn the_continue_prompt_is_a_valid_prompt_asking_for_the_whole_artifact() {
        let p = crate::prompt::Prompt::parse(CONTINUE_PROMPT).unwrap();
        assert!(p.as_str().contains("complete artifact again"));
    }

    #[test]
    fn a_fix_prompt_carries_the_last_errors_cut_short_and_the_code_when_it_fits() {
        let errors: Vec<String> = (0..15)
            .map(|i| format!("TypeError {i}: {}", "x".repeat(2000)))
            .collect();
        let p = fix_prompt(&errors, "let a = 1;");
        assert!(
            !p.contains("TypeError 4:")
                && p.contains("TypeError 5:")
                && p.contains("TypeError 14:")
        );
        assert!(p.len() < 10 * 700 + 500, "{}", p.len());
        assert!(p.contains("```\nlet a = 1;\n```"));
        assert!(crate::prompt::Prompt::parse(&p).is_ok());
        let big = "y".repeat(50_000);
        assert!(!fix_prompt(&errors, &big).contains("yyyy"));
    }
}
