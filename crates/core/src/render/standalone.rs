//! A React artifact as one HTML file that runs offline, anywhere: the studio's Download gives
//! this, not the bare `.jsx` (which runs nowhere without a build step).
//!
//! The file is the sandbox's own React document with every vendored file it loads carried
//! inside it as a `data:` URL: the import map points each module specifier at its module's
//! text, and the scripts (Tailwind, the JSX transform, Kiln's React runner) and the base style
//! are inlined the same way. The studio fetches those files from the sandbox's vendor folder;
//! this module decides which ones (the component's imports, followed through the modules that
//! import others) and writes the page. No bridge, no Kiln: the app runs as a plain page.

use std::collections::BTreeMap;

use thiserror::Error;

use super::{escape, import_error, script_file};
use crate::vendor::{self, BASE_CSS, REACT_JS};

/// Why an offline file cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StandaloneError {
    /// The component imports something Kiln does not have; its message says what.
    #[error("{0}")]
    Imports(String),
    /// A file it needs was not given.
    #[error("the library file {0} is missing")]
    Missing(String),
}

/// The module specifiers the React runner itself imports, besides the component's.
const RUNNER_IMPORTS: [&str; 3] = ["react", "react-dom/client", "react/jsx-runtime"];

/// An offline React page being put together: ask [`Standalone::missing`] which files to fetch,
/// [`Standalone::add`] each, then [`Standalone::finish`].
#[derive(Debug, Clone)]
pub struct Standalone {
    title: String,
    source: String,
    /// Every file the page needs, with its text once given.
    files: BTreeMap<&'static str, Option<String>>,
}

impl Standalone {
    /// The page for `source` titled `title`, or why a page cannot run it.
    pub fn react(title: &str, source: &str) -> Result<Self, StandaloneError> {
        if let Some(message) = import_error(source) {
            return Err(StandaloneError::Imports(message));
        }
        let mut page = Self {
            title: title.to_owned(),
            source: source.to_owned(),
            files: BTreeMap::new(),
        };
        let scripts = [script_file("@tailwindcss/browser"), script_file("sucrase")];
        for file in scripts.into_iter().flatten().chain([BASE_CSS, REACT_JS]) {
            page.files.insert(file, None);
        }
        let specifiers: Vec<String> = RUNNER_IMPORTS
            .iter()
            .map(|s| (*s).to_owned())
            .chain(vendor::module_specifiers(source))
            .collect();
        page.want_modules(&specifiers);
        Ok(page)
    }

    fn want_modules(&mut self, specifiers: &[String]) {
        for spec in specifiers {
            if let Some(file) = module_file(spec) {
                self.files.entry(file).or_insert(None);
            }
        }
    }

    /// The vendored files still to be given, by name (fetch each at `vendor::url(name)` beside
    /// the runner). A module given may name more.
    pub fn missing(&self) -> Vec<&'static str> {
        self.files
            .iter()
            .filter(|(_, text)| text.is_none())
            .map(|(file, _)| *file)
            .collect()
    }

    /// Gives the text of `file`; a module's own imports of other vendored modules become
    /// wanted too. A file the page does not need is ignored.
    pub fn add(&mut self, file: &str, text: String) {
        let Some((&name, slot)) = self.files.iter_mut().find(|(name, _)| **name == file) else {
            return;
        };
        let imports = is_module(name).then(|| vendor::module_specifiers(&text));
        *slot = Some(text);
        if let Some(imports) = imports {
            self.want_modules(&imports);
        }
    }

    /// The page, once every file is given.
    pub fn finish(&self) -> Result<String, StandaloneError> {
        if let Some(file) = self.missing().first() {
            return Err(StandaloneError::Missing((*file).to_owned()));
        }
        let text = |file: &str| {
            self.files
                .get(file)
                .and_then(Option::as_deref)
                .unwrap_or_default()
        };
        let mut map = serde_json::Map::new();
        for library in vendor::libraries() {
            for (spec, file) in library.modules {
                if self.files.contains_key(file) {
                    map.insert(
                        (*spec).to_owned(),
                        serde_json::Value::String(data_url("text/javascript", text(file))),
                    );
                }
            }
        }
        let import_map = serde_json::json!({ "imports": map }).to_string();
        let mut doc = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head>");
        doc.push_str(&notice(&self.title, self.files.keys().copied()));
        doc.push_str(
            "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, \
             initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">",
        );
        doc.push_str(&format!("<title>{}</title>", escape(&self.title)));
        doc.push_str(&format!(
            "<script type=\"importmap\">{}</script>",
            import_map.replace('<', "\\u003c")
        ));
        doc.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{}\">",
            escape(&data_url("text/css", text(BASE_CSS)))
        ));
        let scripts = [script_file("@tailwindcss/browser"), script_file("sucrase")];
        for file in scripts.into_iter().flatten() {
            doc.push_str(&format!(
                "<script src=\"{}\"></script>",
                escape(&data_url("text/javascript", text(file)))
            ));
        }
        doc.push_str("</head><body><div id=\"root\"></div>");
        doc.push_str(&super::data_tag(
            &serde_json::json!({ "source": self.source, "error": null }),
        ));
        doc.push_str(&format!(
            "<script type=\"module\" src=\"{}\"></script></body></html>\n",
            escape(&data_url("text/javascript", text(REACT_JS)))
        ));
        Ok(doc)
    }
}

/// The vendored module file a specifier names, if Kiln offers it.
fn module_file(specifier: &str) -> Option<&'static str> {
    vendor::libraries()
        .iter()
        .filter(|l| l.offered)
        .find_map(|l| l.module(specifier))
}

fn is_module(file: &str) -> bool {
    vendor::libraries()
        .iter()
        .any(|l| l.modules.iter().any(|(_, f)| *f == file))
}

/// A `data:` URL of `text`, escaped only where a URL needs it: `%` and `#` (which would end
/// it), and tab, newline and carriage return (which URL parsing drops). Everything else,
/// non-ASCII included, is left for the URL parser, so the file stays about the size of what
/// it carries.
pub fn data_url(mime: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 40);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";charset=utf-8,");
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            c => out.push(c),
        }
    }
    out
}

/// The comment the file opens with: what it is, and the libraries inside it with their
/// licenses (their own notices are kept in their text).
fn notice<'a>(title: &str, files: impl Iterator<Item = &'a str>) -> String {
    let files: Vec<&str> = files.collect();
    let inside: Vec<String> = vendor::libraries()
        .iter()
        .filter(|l| {
            l.modules.iter().any(|(_, f)| files.contains(f))
                || l.script.is_some_and(|s| files.contains(&s.file))
        })
        .map(|l| format!("{} {} ({})", l.package, l.version, l.license))
        .collect();
    let title = title.replace("--", "- -");
    format!(
        "<!-- {title}: a React app made with Kiln, as one file that runs offline in a browser. \
         Inside it: {}. -->\n",
        inside.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives every missing file a stand-in text: a module imports what `imports` says for it.
    fn fill(page: &mut Standalone, imports: &[(&str, &str)]) -> Vec<&'static str> {
        let mut given = Vec::new();
        while let Some(file) = page.missing().first().copied() {
            let text = imports
                .iter()
                .find(|(f, _)| *f == file)
                .map_or_else(|| format!("/*{file}*/"), |(_, t)| (*t).to_owned());
            page.add(file, text);
            given.push(file);
        }
        given
    }

    fn module(spec: &str) -> &'static str {
        module_file(spec).unwrap_or_else(|| panic!("{spec} is not vendored"))
    }

    #[test]
    fn the_page_carries_the_runner_and_what_the_component_imports_transitively() {
        let source = "import { LineChart } from 'recharts';\nexport default () => <LineChart/>;";
        let mut page = Standalone::react("Sales", source).unwrap();
        let first = page.missing();
        assert!(first.contains(&module("recharts")), "{first:?}");
        assert!(first.contains(&module("react-dom/client")), "{first:?}");
        assert!(!first.contains(&module("react-dom")), "not yet: {first:?}");
        // react-dom arrives only because recharts (and react-dom/client) import it.
        let recharts = "import{a}from\"react\";import{createPortal}from\"react-dom\";";
        let client = "import*as d from\"react-dom\";";
        let given = fill(
            &mut page,
            &[
                (module("recharts"), recharts),
                (module("react-dom/client"), client),
            ],
        );
        assert!(given.contains(&module("react-dom")), "{given:?}");
        assert!(!given.contains(&module("three")), "{given:?}");
        let doc = page.finish().unwrap();
        assert!(doc.starts_with("<!DOCTYPE html>"), "{doc}");
        assert!(doc.contains("<title>Sales</title>"));
        for spec in [
            "react",
            "react-dom",
            "react-dom/client",
            "react/jsx-runtime",
            "recharts",
        ] {
            assert!(
                doc.contains(&format!("\"{spec}\":\"data:text/javascript")),
                "{spec}"
            );
        }
        assert!(!doc.contains("\"three\""));
        assert!(
            !doc.contains("./vendor/"),
            "nothing is loaded from beside a runner"
        );
        assert!(doc.contains("recharts 3.11.1 (MIT)"), "{}", &doc[..400]);
    }

    #[test]
    fn a_file_is_refused_until_everything_is_given_and_bad_imports_are_said() {
        let page = Standalone::react("App", "export default () => null;").unwrap();
        assert!(matches!(page.finish(), Err(StandaloneError::Missing(_))));
        let bad = Standalone::react("App", "import x from 'left-pad';");
        assert!(
            matches!(&bad, Err(StandaloneError::Imports(m)) if m.contains("left-pad")),
            "{bad:?}"
        );
    }

    #[test]
    fn texts_cannot_break_out_of_their_urls_or_the_page() {
        let hostile = "x = '</script><script>alert(1)</script>#frag 100% \"q\" &amp;\n\t\r';";
        let source = format!("export default () => {{ const s = {hostile:?}; return null; }}");
        let mut page = Standalone::react("A \"title\" </title><b>", &source).unwrap();
        fill(&mut page, &[(module("react"), hostile)]);
        let doc = page.finish().unwrap();
        assert_eq!(
            doc.matches("<script").count(),
            doc.matches("</script>").count()
        );
        assert!(!doc.contains("<script>alert"), "{doc}");
        assert!(doc.contains("<title>A &quot;title&quot; &lt;/title&gt;&lt;b&gt;</title>"));
        let url = data_url("text/javascript", hostile);
        assert!(!url.contains(['#', '\n', '\t', '\r']), "{url}");
        assert!(url.contains("100%25"), "{url}");
        // What a URL parser would give back is the text itself.
        let decoded = url
            .split_once(',')
            .map(|(_, body)| {
                body.replace("%23", "#")
                    .replace("%09", "\t")
                    .replace("%0A", "\n")
                    .replace("%0D", "\r")
                    .replace("%25", "%")
            })
            .unwrap_or_default();
        assert_eq!(decoded, hostile);
    }
}
