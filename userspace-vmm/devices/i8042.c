// SPDX-License-Identifier: GPL-2.0
/*
 * hv-run devices: the 8042 keyboard controller, with no keyboard and no
 * mouse attached.
 *
 * Modelled: the status register (OBF, AUXB, SYS, A2, keyboard not
 * inhibited; IBF never sets because commands complete at once), the
 * command byte and the rest of the controller RAM (0x20-0x3f read,
 * 0x60-0x7f write), self-test 0xaa -> 0x55, interface tests 0xa9/0xab -> 0
 * (no device means idle lines, which pass), port enable/disable
 * 0xa7/0xa8/0xad/0xae, input and output port 0xc0/0xd0/0xd1, the
 * "write to output buffer" loop commands 0xd2/0xd3 that Linux uses to find
 * the aux port, and the reset line: the pulse commands 0xf0-0xff with bit 0
 * clear (0xfe in practice) or an output-port write with bit 0 clear resets
 * the CPU, which ends the VM with status 3.
 *
 * Left out: the devices themselves.  Bytes sent to the keyboard (0x60
 * writes outside a command) or to the aux port (0xd4) get no answer, which
 * is what an empty socket gives: the driver times out.  Reporting a
 * transmit timeout in the status instead would leave a byte in the output
 * buffer that, with no IRQ 1/12 wired to collect it, a later controller
 * command would read as its answer.  A20 (output port bit 1, 0xdd/0xdf) is
 * stored only: guest memory has no 1 MiB wrap.
 */
#include <errno.h>
#include <string.h>

#include "../vm.h"
#include "i8042.h"

#define STS_OBF		0x01
#define STS_SYS		0x04
#define STS_A2		0x08
#define STS_INH		0x10	/* 1: keyboard not inhibited */
#define STS_AUXB	0x20

#define CTR_SYS		0x04
#define CTR_KBD_DIS	0x10
#define CTR_AUX_DIS	0x20
#define CTR_XLATE	0x40

static void i8042_output(struct i8042 *k, uint8_t v, bool aux)
{
	k->obuf = v;
	k->obf = true;
	k->aux_obf = aux;
}

/* Returns true if the command resets the CPU. */
static bool i8042_command(struct i8042 *k, uint8_t cmd)
{
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_output(k, k->ram[cmd & 0x1f], false);
		return false;
	}
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->pending = cmd;
		return false;
	}
	if (cmd >= 0xf0)	/* pulse output port bits 0-3 low where cmd has 0s */
		return !(cmd & 1);
	switch (cmd) {
	case 0xa7:
		k->ram[0] |= CTR_AUX_DIS;
		break;
	case 0xa8:
		k->ram[0] &= ~CTR_AUX_DIS;
		break;
	case 0xa9:		/* aux interface test */
	case 0xab:		/* keyboard interface test */
		i8042_output(k, 0x00, false);
		break;
	case 0xaa:		/* controller self-test */
		k->ram[0] |= CTR_SYS;
		i8042_output(k, 0x55, false);
		break;
	case 0xad:
		k->ram[0] |= CTR_KBD_DIS;
		break;
	case 0xae:
		k->ram[0] &= ~CTR_KBD_DIS;
		break;
	case 0xc0:		/* input port: keyboard not inhibited */
		i8042_output(k, 0x80, false);
		break;
	case 0xd0:
		i8042_output(k, k->outport, false);
		break;
	case 0xd1:		/* write output port */
	case 0xd2:		/* write keyboard output buffer */
	case 0xd3:		/* write aux output buffer */
	case 0xd4:		/* write to aux device */
		k->pending = cmd;
		break;
	case 0xdd:
		k->outport &= ~0x02;
		break;
	case 0xdf:
		k->outport |= 0x02;
		break;
	default:
		break;		/* unknown commands are ignored */
	}
	return false;
}

/* Returns true if the data byte resets the CPU. */
static bool i8042_data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = v;
		return false;
	}
	switch (cmd) {
	case 0xd1:
		k->outport = v;
		return !(v & 0x01);	/* bit 0 low holds the CPU in reset */
	case 0xd2:
		i8042_output(k, v, false);
		break;
	case 0xd3:
		i8042_output(k, v, true);
		break;
	default:
		break;		/* to the keyboard (0) or the mouse (0xd4): nobody is there */
	}
	return false;
}

/* @status_port: 0x64 rather than 0x60 (each is its own one-port range). */
static uint64_t i8042_read(struct i8042 *k, bool status_port, unsigned int size)
{
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	uint8_t v;

	pthread_mutex_lock(&k->lock);
	if (!status_port) {
		v = k->obuf;
		k->obf = false;
		k->aux_obf = false;
	} else {
		v = (k->obf ? STS_OBF : 0) | (k->aux_obf ? STS_AUXB : 0) |
		    (k->ram[0] & CTR_SYS ? STS_SYS : 0) | (k->last_was_cmd ? STS_A2 : 0) | STS_INH;
	}
	pthread_mutex_unlock(&k->lock);
	/* One port: the bytes of a wider read above it belong to nobody. */
	return (mask & ~0xffull) | v;
}

static void i8042_write(struct i8042 *k, bool command_port, uint8_t value)
{
	bool reset;

	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = command_port;
	if (command_port)
		reset = i8042_command(k, value);
	else
		reset = i8042_data(k, value);
	pthread_mutex_unlock(&k->lock);
	if (reset)
		vm_request_stop(k->vm, VM_EXIT_RESET);
}

static uint64_t i8042_data_read(void *opaque, uint64_t offset, unsigned int size)
{
	(void)offset;
	return i8042_read(opaque, false, size);
}

static void i8042_data_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	(void)offset;
	(void)size;
	i8042_write(opaque, false, (uint8_t)value);
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset, unsigned int size)
{
	(void)offset;
	return i8042_read(opaque, true, size);
}

static void i8042_command_write(void *opaque, uint64_t offset, unsigned int size, uint64_t value)
{
	(void)offset;
	(void)size;
	i8042_write(opaque, true, (uint8_t)value);
}

static const struct io_ops i8042_data_ops = { .read = i8042_data_read, .write = i8042_data_write };
static const struct io_ops i8042_cmd_ops = { .read = i8042_status_read, .write = i8042_command_write };

int i8042_init(struct i8042 *k, struct iobus *pio, struct vm *vm)
{
	int err;

	memset(k, 0, sizeof(*k));
	err = -pthread_mutex_init(&k->lock, NULL);
	if (err)
		return err;
	k->vm = vm;
	k->ram[0] = CTR_SYS | CTR_XLATE;	/* as firmware leaves it, interrupts off */
	k->outport = 0x03;			/* not in reset, A20 on */
	err = iobus_register(pio, 0x60, 1, &i8042_data_ops, k);
	if (!err)
		err = iobus_register(pio, 0x64, 1, &i8042_cmd_ops, k);
	return err;
}
