//! Test support: a transport that captures requests and answers canned responses. (stub)
