//! The stream splitter over arbitrary bytes: it never panics, every byte lands
//! in exactly one document, and a document's parts are its bytes in order.
#![no_main]

use kof_route::stream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = stream::split(data);
    let mut joined = s.bom.to_vec();
    let mut line = 1;
    let mut offset = 0;
    for doc in &s.docs {
        assert_eq!(doc.offset, offset, "documents are contiguous");
        assert_eq!(doc.line, line, "line numbers count newlines");
        assert!(!doc.raw.is_empty(), "no empty document");
        offset += doc.raw.len();
        line += doc.raw.iter().filter(|&&b| b == b'\n').count();
        joined.extend_from_slice(doc.raw);
        let p = doc.parts();
        assert_eq!(
            [p.separator, p.header, p.body, p.trailer].concat(),
            doc.raw,
            "parts cover the document"
        );
        // Rewriting with any body keeps the layout and never panics.
        let out = stream::rewrite(doc, "a: 1\n");
        assert!(out.starts_with(p.separator) || out.starts_with(b"---"));
    }
    assert_eq!(joined, data, "every byte lands in one document");
    let body = &data[s.bom.len()..];
    for idx in stream::candidates(&s, body, &kof_route::resource::NEEDLES) {
        assert!(idx < s.docs.len());
    }
    assert_eq!(stream::join(&s, &[], data.len()), data);
});
