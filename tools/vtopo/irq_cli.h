/* vtopo irq's subcommands (cmd_irq.c dispatches; irq_show.c, irq_plan.c). */
#ifndef VT_TOOLS_IRQ_CLI_H
#define VT_TOOLS_IRQ_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/vtopo.h"

int cmd_irq_show(int argc, char **argv);
int cmd_irq_plan(int argc, char **argv);
/* apply and restore (argv[1] says which). */
int cmd_irq_apply(int argc, char **argv);
/* A BDF option's value, normalised into out (24 bytes); an exit status. */
int irq_parse_bdf(const char *cmd, const char *option, const char *text, char *out);

#endif
