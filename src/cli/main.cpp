// Placeholder entry point replaced by the real command line in this same session.
int main() { return 3; }
