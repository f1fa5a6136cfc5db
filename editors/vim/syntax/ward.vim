" Vim syntax file
" Language:    ward (container policies, docs/language.md)
" Filenames:   *.ward
if exists('b:current_syntax')
  finish
endif

syn case match
syn iskeyword @,48-57,_,.,-,192-255

" Comments and strings
syn keyword wardTodo        contained TODO FIXME XXX NOTE
syn match   wardLineComment "//.*$" contains=wardTodo,@Spell
syn region  wardBlockComment start="/\*" end="\*/" contains=wardTodo,@Spell
syn match   wardEscape      contained +\\[\\"nt]+
syn region  wardString      start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=wardEscape

" Declarations
syn keyword wardInclude     import as
syn keyword wardStorage     policy fragment group nextgroup=wardDeclName,wardGroupName skipwhite
syn keyword wardKeyword     extends use
syn match   wardDeclName    contained "[A-Za-z_][A-Za-z0-9_.-]*"
syn match   wardGroupName   "@[A-Za-z0-9_.-]*"

" Sections: a name followed by {
syn match   wardSection     "\<\(identity\|files\|mounts\|devices\|network\|capabilities\|syscalls\|limits\|sysctl\|selinux\|apparmor\|lxc\|verify\)\>\ze\s*{"

" Verbs and values
syn keyword wardAction      allow deny kill kill_thread trap log errno default arch foreign
syn keyword wardVerb        read write append exec link lock owner keep drop listen connect unix raw packet
syn keyword wardVerb        netlink families bridge ipv6 ipv6_router_advertisements none bind at tmpfs proc sys cgroup root
syn keyword wardVerb        idmap no_new_privs privileged user role type level categories profile flags
syn keyword wardVerb        nesting rule set hook accept baseline fail_on
syn keyword wardValue       on off auto all any ro rw mixed tcp udp char block unlimited critical high medium

" Constants and numbers
syn match   wardEscapeId    "\<\(ESC\|CAP\|MNT\|SYS\|CVE\|DOS\|NET\|DEV\)-[A-Z0-9-]\+\>"
syn match   wardConstant    "\<[A-Z][A-Z0-9_]\+\>"
syn match   wardArg         "\<arg[0-5]\>"
syn match   wardNumber      "\<\d\+\(\.\d\+\)\=\(B\|KiB\|MiB\|GiB\|TiB\|K\|M\|G\|KB\|MB\|GB\|ms\|us\|s\)\=\>"
syn match   wardNumber      "\<0x\x\+\>\|\<0o\o\+\>\|\<0b[01]\+\>"
syn match   wardDevice      "\<\(\d\+\|\*\):\(\d\+\|\*\)"
syn match   wardOperator    "==\|!=\|<=\|>=\|[<>&|=]"

hi def link wardTodo         Todo
hi def link wardLineComment  Comment
hi def link wardBlockComment Comment
hi def link wardString       String
hi def link wardEscape       SpecialChar
hi def link wardInclude      Include
hi def link wardStorage      StorageClass
hi def link wardKeyword      Keyword
hi def link wardDeclName     Type
hi def link wardGroupName    Identifier
hi def link wardSection      Structure
hi def link wardAction       Statement
hi def link wardVerb         Keyword
hi def link wardValue        Boolean
hi def link wardEscapeId     Special
hi def link wardConstant     Constant
hi def link wardArg          Identifier
hi def link wardNumber       Number
hi def link wardDevice       Number
hi def link wardOperator     Operator

let b:current_syntax = 'ward'
