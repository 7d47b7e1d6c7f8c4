//! Reads heap snapshots in 1 MB pieces and prints their size in nodes,
//! edges and strings and the bytes the columns hold, then the report of
//! the series as JSON (a benchmark of the crate alone:
//! `cargo run --release -p leaklens-heap --example read -- FILE...`).

use std::io::Read;

fn main() {
    let mut analysis = leaklens_heap::Analysis::new();
    for path in std::env::args().skip(1) {
        let mut file = std::fs::File::open(&path).expect("open");
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = leaklens_heap::Reader::with_size_hint(&path, len);
        let mut piece = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut piece).expect("read");
            if n == 0 {
                break;
            }
            reader.push(&piece[..n]);
        }
        match reader.finish() {
            Ok(s) => {
                eprintln!(
                    "{path}: {} nodes, {} edges, {} strings, {} MB in columns",
                    s.node_count(),
                    s.edge_count(),
                    s.strings().len(),
                    s.heap_bytes() >> 20
                );
                analysis.add(&path, s);
            }
            Err(e) => eprintln!("{e}"),
        }
    }
    println!(
        "{}",
        analysis
            .report(&leaklens_heap::Options::default())
            .to_json()
    );
}
