// libedit through its readline-compatible API (Debian: libedit-dev).
#ifndef PIVOT_CEDITLINE_SHIM_H
#define PIVOT_CEDITLINE_SHIM_H

#include <stdio.h>  // editline/readline.h uses FILE without including it
#include <editline/readline.h>

#endif
