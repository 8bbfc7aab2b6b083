//! `<kiln-edit>` blocks: the SEARCH / REPLACE markers line by line, then applying the edit to
//! the artifact it names or saying why not.

use super::*;

impl Extractor {
    pub(super) fn edit_line(&mut self, line: &str) {
        if line.trim().eq_ignore_ascii_case("</kiln-edit>") {
            self.finish_edit(false);
            self.state = State::Prose;
            return;
        }
        let draft = &mut self.edit;
        if draft.problem.is_some() {
            return;
        }
        let block = draft.blocks.len();
        match (draft.part, syntax::edit_marker(line)) {
            (Part::Outside, Some(Marker::Find)) => {
                draft.blocks.push(EditBlock::default());
                draft.part = Part::Find;
            }
            (Part::Outside, Some(Marker::Replace)) => draft.problem = Some(MarkerProblem::StrayEnd),
            // Prose, blank lines, stray fences and dividers between blocks are ignored.
            (Part::Outside, _) => {}
            (Part::Find, Some(Marker::Divider)) => draft.part = Part::Replace,
            (Part::Find, Some(Marker::Find | Marker::Replace)) => {
                draft.problem = Some(MarkerProblem::NoDivider { block });
            }
            (Part::Replace, Some(Marker::Replace)) => draft.part = Part::Outside,
            (Part::Replace, Some(Marker::Find)) => {
                draft.problem = Some(MarkerProblem::NoEnd { block });
            }
            (Part::Find | Part::Replace, _) => {
                if let Some(last) = draft.blocks.last_mut() {
                    let text = if draft.part == Part::Find {
                        &mut last.find
                    } else {
                        &mut last.replace
                    };
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }

    pub(super) fn finish_edit(&mut self, cut_off: bool) {
        let draft = mem::take(&mut self.edit);
        let block = draft.blocks.len();
        let rejection = match draft.id {
            None => EditRejection::MissingId,
            Some(id) if cut_off => EditRejection::CutOff { id },
            Some(id) => match self.set.latest(&id) {
                None => EditRejection::UnknownId { id },
                Some((version, current)) => {
                    let problem = draft.problem.or(match draft.part {
                        Part::Outside => None,
                        Part::Find => Some(MarkerProblem::NoDivider { block }),
                        Part::Replace => Some(MarkerProblem::NoEnd { block }),
                    });
                    match problem {
                        Some(problem) => EditRejection::Malformed { id, problem },
                        None => match apply_edit(&current.content, &draft.blocks) {
                            Ok(content) => {
                                let artifact = Artifact {
                                    id: Some(id.clone()),
                                    kind: current.kind,
                                    title: current.title.clone(),
                                    language: current.language.clone(),
                                    complete: true,
                                    content,
                                };
                                let index = self.artifacts.len();
                                let version = self.set.push(&id, artifact.clone());
                                self.artifacts.push(artifact);
                                self.refs.push(ArtifactRef {
                                    id: id.clone(),
                                    version,
                                });
                                self.events.push(Event::EditApplied { index, id, version });
                                return;
                            }
                            Err(error) => EditRejection::NotApplied { id, version, error },
                        },
                    }
                }
            },
        };
        self.rejections.push(rejection.clone());
        self.events.push(Event::EditRejected(rejection));
    }
}
