// Edit documents (edit/edit_document.h), body and portrait.
#include "fuzz_targets.h"

#include "marionette/edit/edit_document.h"

namespace marionette::fuzz {

int fuzzEditDocument(const std::uint8_t* data, std::size_t size) {
    edit::EditDocument document;
    if (!readOrRefuse([&] { document = edit::parseEditDocument(bytesOf(data, size), "fuzz.marionette.json"); }))
        return 0;
    require(edit::parseEditDocument(edit::toJson(document), "fuzz.marionette.json written back") == document,
            "edit document: changed on writing it back");
    return 0;
}

}  // namespace marionette::fuzz
