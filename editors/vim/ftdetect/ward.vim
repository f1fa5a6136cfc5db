" ward policy files
autocmd BufRead,BufNewFile *.ward setfiletype ward
