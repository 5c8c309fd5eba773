#[allow(dead_code)]
mod naming;

fn main() {}
