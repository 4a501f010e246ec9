/*
 * registry.h: the names of protocol values, from one table
 * (include/base/registry.def) that every view uses.
 */
#ifndef TLSDUMP_REGISTRY_H
#define TLSDUMP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
enum reg_table {
#define REG_TABLE(t) REG_##t,
    REG_TABLE(VERSION) REG_TABLE(CONTENT) REG_TABLE(HANDSHAKE) REG_TABLE(CIPHER)
    REG_TABLE(EXT) REG_TABLE(GROUP) REG_TABLE(SIGSCHEME) REG_TABLE(ALERT)
    REG_TABLE(ALERT_LEVEL) REG_TABLE(CERT_TYPE) REG_TABLE(COMPRESSION)
    REG_TABLE(EC_POINT_FORMAT) REG_TABLE(PSK_MODE) REG_TABLE(CERT_STATUS_TYPE)
    REG_TABLE(CERT_COMPRESSION) REG_TABLE(KEY_UPDATE) REG_TABLE(NAME_TYPE)
    REG_TABLE(HEARTBEAT_MODE) REG_TABLE(HEARTBEAT_MSG) REG_TABLE(CERT_ENTRY_TYPE)
    REG_TABLE(ECH_CONFIG) REG_TABLE(SSL2_MSG) REG_TABLE(SSL2_ERROR)
#undef REG_TABLE
    REG_NTABLES
};
/* clang-format on */

/* The registered name of value in table t, or NULL.  GREASE values
 * (RFC 8701) of the tables that have them are named "GREASE". */
const char *reg_name(enum reg_table t, uint32_t value);

/* The name, or "unknown (0x....)" written into buf. */
const char *reg_name_or_unknown(enum reg_table t, uint32_t value, char *buf, size_t len);

/* 1 for the RFC 8701 GREASE values 0x0a0a, 0x1a1a, ... 0xfafa. */
int reg_is_grease(uint32_t value);

#endif
