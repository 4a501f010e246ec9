/*
 * dir.h: the two directions of a connection, as every stage names them.
 */
#ifndef TLSDUMP_BASE_DIR_H
#define TLSDUMP_BASE_DIR_H

enum dir {
    DIR_C2S = 0, /* sent by the client */
    DIR_S2C = 1, /* sent by the server */
};

#endif
