#[allow(dead_code)]
mod sigv4;

fn main() {}
