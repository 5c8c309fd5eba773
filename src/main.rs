#[allow(dead_code)]
mod ini;

fn main() {}
