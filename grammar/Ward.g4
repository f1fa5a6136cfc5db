// The ward policy language (docs/language.md). Combined grammar; turned into C++ at build time by
// `antlr4 -Dlanguage=Cpp -visitor -no-listener -package ward::grammar`.
//
// Design notes:
// - The grammar has no recursive rule: the deepest rule nesting is file > decl > policyDecl > member >
//   section > statement > term > condition > orList > value, so ANTLR's recursive descent depth is bounded by
//   the grammar, not by the input. src/syntax/parse.cpp still rejects input nesting braces or parentheses
//   deeper than syntax::kMaxNesting before the parser runs (E0003).
// - Lexing is total: every character that starts no other token becomes an ERROR_CHAR token (hidden; the
//   parser never sees it; parse.cpp reports it as E0002). Unterminated strings and block comments have
//   their own tokens so that they are reported once, precisely (E0005).
// - Comments go to the hidden channel so that `ward fmt` can keep them.
// - The lexer rules below are the definition of the tokens. For speed, src/syntax/lexer.cpp implements them
//   by hand (ANTLR's C++ lexer alone cost more than the whole 10,000-line budget); unit tests compare it
//   token for token with the generated WardLexer, so a change here must be made there too.
// - Keywords are reserved everywhere; every other word is an IDENT whose meaning depends on the section.
grammar Ward;

// ---------------------------------------------------------------------------------------------------------
// Parser

file
  : decl* EOF
  ;

decl
  : importDecl
  | policyDecl
  | groupDecl
  ;

// import "std/base";   import "./shared/logging.ward" as logging;
importDecl
  : IMPORT STRING (AS IDENT)? SEMI
  ;

// policy NAME extends A, b.C { members }   |   fragment NAME { members }
policyDecl
  : kind=(POLICY | FRAGMENT) IDENT (EXTENDS qualName (COMMA qualName)*)? LBRACE member* RBRACE
  ;

// A (possibly qualified) name: the lexer keeps `base.unprivileged` as one IDENT.
qualName
  : IDENT
  ;

member
  : useDecl
  | section
  ;

// use logs, common.audit;
useDecl
  : USE qualName (COMMA qualName)* SEMI
  ;

// files { statement* }
section
  : IDENT LBRACE statement* RBRACE
  ;

// group @web-extras "description" { sendfile, accept4, @network-io; }
groupDecl
  : GROUP GROUP_NAME STRING? LBRACE statement* RBRACE
  ;

// The one statement shape: clauses separated by commas, an optional `= value`, and `;`. A clause is a run of
// terms; it has no rule of its own (fewer parse-tree nodes: the builder splits clauses at the commas).
statement
  : term+ (COMMA term+)* (ASSIGN value)? SEMI
  ;

// A value, or a call with argument conditions: clone(flags & CLONE_NEWUSER != 0).
term
  : IDENT LPAREN (condition (COMMA condition)*)? RPAREN                        # callTerm
  | (IDENT | STRING | INTEGER | DECIMAL | QUANTITY | GROUP_NAME | DEVICE | RANGE)  # valueTerm
  ;

// arg OP value   |   arg & MASK | MASK2 OP value | value2
condition
  : arg=value (AMP mask=orList)? compareOp val=orList
  ;

orList
  : value (PIPE value)*
  ;

compareOp
  : EQ | NE | LE | GE | LT | GT
  ;

value
  : IDENT
  | STRING
  | INTEGER
  | DECIMAL
  | QUANTITY
  | GROUP_NAME
  | DEVICE
  | RANGE
  ;

// ---------------------------------------------------------------------------------------------------------
// Lexer

IMPORT   : 'import';
AS       : 'as';
POLICY   : 'policy';
FRAGMENT : 'fragment';
EXTENDS  : 'extends';
GROUP    : 'group';
USE      : 'use';

LBRACE : '{';
RBRACE : '}';
LPAREN : '(';
RPAREN : ')';
SEMI   : ';';
COMMA  : ',';
EQ     : '==';
NE     : '!=';
LE     : '<=';
GE     : '>=';
LT     : '<';
GT     : '>';
ASSIGN : '=';
AMP    : '&';
PIPE   : '|';

// "text" with escapes \" \\ \n \t (other escapes are lexed here and reported as E0007 by the parser
// library). A string cannot span lines.
STRING
  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"'
  ;

// A string that reaches the end of its line (or of the file) without a closing quote (E0005).
UNTERMINATED_STRING
  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '\\'?
  ;

INTEGER
  : DIGITS
  | '0x' [0-9A-Fa-f]+
  | '0o' [0-7]+
  ;

DECIMAL
  : DIGITS '.' DIGITS
  ;

// 512MiB, 64KiB, 100ms, 2MB, 1.5G: a number immediately followed by a unit made of letters. INTEGER comes
// first so that `0xff` (which QUANTITY matches too, as 0 + "xff") is an integer.
QUANTITY
  : DIGITS ('.' DIGITS)? [A-Za-z]+
  ;

// major:minor, either may be `*`: 10:229, 1:*, *:*
DEVICE
  : (DIGITS | '*') ':' (DIGITS | '*')
  ;

// 8000-8080
RANGE
  : DIGITS '-' DIGITS
  ;

// @system-service
GROUP_NAME
  : '@' IDENT_START IDENT_PART*
  ;

// files, net.ipv4.ip_forward, ESC-SYSRQ, kill_thread, base.unprivileged
IDENT
  : IDENT_START IDENT_PART*
  ;

WS
  : [ \t\r\n\f]+ -> skip
  ;

LINE_COMMENT
  : '//' ~[\r\n]* -> channel(HIDDEN)
  ;

BLOCK_COMMENT
  : '/*' .*? '*/' -> channel(HIDDEN)
  ;

// `/*` without a closing `*/` (E0005): it cannot contain `*/`, so it only ever matches up to end of file.
UNTERMINATED_COMMENT
  : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(HIDDEN)
  ;

// Anything else: a run of characters that start no token, or one stray character (`-`, `.`, `!`, ...).
// Runs keep a megabyte of garbage from becoming a million tokens.
ERROR_CHAR
  : (~[A-Za-z0-9_"@{}();,=!<>&|*/ \t\r\n\f]+ | .) -> channel(HIDDEN)
  ;

fragment DIGITS      : [0-9]+;
fragment IDENT_START : [A-Za-z_];
fragment IDENT_PART  : [A-Za-z0-9_.\-];
