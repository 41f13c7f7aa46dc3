# SPDX-License-Identifier: GPL-2.0
# install.mk: `make install` / `make uninstall`, included by the top Makefile.
#
#   make install                     hv.ko into /lib/modules/$(KVER)/extra/module, depmod,
#                                    <linux/hv.h>, the udev rule, group "hv"
#   make install DESTDIR=/tmp/stage  the same files under /tmp/stage only: no depmod,
#                                    no groupadd, no udev reload (packaging/staging)
#   make uninstall [DESTDIR=...]     removes what install put there (not the group)
#
# Variables (all overridable): KVER (kernel release, default: running kernel),
# KDIR (its build tree), PREFIX (/usr/local), UDEVRULESDIR (/etc/udev/rules.d),
# HV_SYSTEM_SETUP (1 without DESTDIR, 0 with it: depmod, groupadd, udev reload).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
UDEVRULESDIR ?= /etc/udev/rules.d
INSTALL ?= install
DEPMOD ?= depmod
HV_GROUP ?= hv
HV_SRCDIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HV_SRCDIR := $(abspath $(HV_SRCDIR))

ifeq ($(DESTDIR),)
HV_SYSTEM_SETUP ?= 1
else
HV_SYSTEM_SETUP ?= 0
endif

.PHONY: install uninstall install-module install-headers install-udev install-group \
	uninstall-module

install: install-module install-headers install-udev install-group

# The kernel's modules_install puts hv.ko (compressed and/or signed as the
# kernel's config says, when it can) under $(INSTALL_MOD_PATH)/lib/modules/
# $(KVER)/extra/module/ (kbuild keeps the module's directory below M=; the
# top-level Kbuild is the one DKMS and the top Makefile build with).
# Signing fails without the distribution's key; kbuild ignores that for
# external modules (an unsigned module loads, tainting the kernel).  Its own depmod is disabled (DEPMOD=true): we run depmod
# ourselves, and only on the live system.
install-module:
	$(MAKE) -C $(KDIR) M=$(HV_SRCDIR) modules
	$(MAKE) -C $(KDIR) M=$(HV_SRCDIR) INSTALL_MOD_DIR=extra \
		INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true modules_install
ifeq ($(HV_SYSTEM_SETUP),1)
	$(DEPMOD) -a $(KVER)
else
	@echo "install: staging into '$(DESTDIR)': not running depmod"
endif

install-headers:
	$(INSTALL) -D -m 0644 $(HV_SRCDIR)/uapi/linux/hv.h $(DESTDIR)$(PREFIX)/include/linux/hv.h

install-udev:
	$(INSTALL) -D -m 0644 $(HV_SRCDIR)/udev/99-hv.rules $(DESTDIR)$(UDEVRULESDIR)/99-hv.rules
ifeq ($(HV_SYSTEM_SETUP),1)
	-udevadm control --reload-rules
endif

install-group:
ifeq ($(HV_SYSTEM_SETUP),1)
	getent group $(HV_GROUP) >/dev/null || groupadd -r $(HV_GROUP)
else
	@echo "install: staging into '$(DESTDIR)': not creating group $(HV_GROUP)"
endif

uninstall: uninstall-module
	rm -f $(DESTDIR)$(PREFIX)/include/linux/hv.h
	rm -f $(DESTDIR)$(UDEVRULESDIR)/99-hv.rules
ifeq ($(HV_SYSTEM_SETUP),1)
	-udevadm control --reload-rules
	@echo "uninstall: group $(HV_GROUP) is left in place (groupdel $(HV_GROUP) to remove it)"
endif

uninstall-module:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/module/hv.ko \
		$(DESTDIR)/lib/modules/$(KVER)/extra/module/hv.ko.*
	-rmdir $(DESTDIR)/lib/modules/$(KVER)/extra/module 2>/dev/null
ifeq ($(HV_SYSTEM_SETUP),1)
	$(DEPMOD) -a $(KVER)
endif
