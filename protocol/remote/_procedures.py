"""REMOTE program procedures: numbers, names and what libvirt calls them (remote_protocol.x, 9.x).

Transcribed once from remote_protocol.x and libvirt's public API table; numbers are never renumbered.
"""

from __future__ import annotations

from enum import IntEnum


class Proc(IntEnum):
    """REMOTE_PROC_* numbers (prefix dropped)."""

    CONNECT_OPEN = 1
    CONNECT_CLOSE = 2
    CONNECT_GET_TYPE = 3
    CONNECT_GET_VERSION = 4
    CONNECT_GET_MAX_VCPUS = 5
    NODE_GET_INFO = 6
    CONNECT_GET_CAPABILITIES = 7
    DOMAIN_ATTACH_DEVICE = 8
    DOMAIN_CREATE = 9
    DOMAIN_CREATE_XML = 10
    DOMAIN_DEFINE_XML = 11
    DOMAIN_DESTROY = 12
    DOMAIN_DETACH_DEVICE = 13
    DOMAIN_GET_XML_DESC = 14
    DOMAIN_GET_AUTOSTART = 15
    DOMAIN_GET_INFO = 16
    DOMAIN_GET_MAX_MEMORY = 17
    DOMAIN_GET_MAX_VCPUS = 18
    DOMAIN_GET_OS_TYPE = 19
    DOMAIN_GET_VCPUS = 20
    CONNECT_LIST_DEFINED_DOMAINS = 21
    DOMAIN_LOOKUP_BY_ID = 22
    DOMAIN_LOOKUP_BY_NAME = 23
    DOMAIN_LOOKUP_BY_UUID = 24
    CONNECT_NUM_OF_DEFINED_DOMAINS = 25
    DOMAIN_PIN_VCPU = 26
    DOMAIN_REBOOT = 27
    DOMAIN_RESUME = 28
    DOMAIN_SET_AUTOSTART = 29
    DOMAIN_SET_MAX_MEMORY = 30
    DOMAIN_SET_MEMORY = 31
    DOMAIN_SET_VCPUS = 32
    DOMAIN_SHUTDOWN = 33
    DOMAIN_SUSPEND = 34
    DOMAIN_UNDEFINE = 35
    CONNECT_LIST_DEFINED_NETWORKS = 36
    CONNECT_LIST_DOMAINS = 37
    CONNECT_LIST_NETWORKS = 38
    NETWORK_CREATE = 39
    NETWORK_CREATE_XML = 40
    NETWORK_DEFINE_XML = 41
    NETWORK_DESTROY = 42
    NETWORK_GET_XML_DESC = 43
    NETWORK_GET_AUTOSTART = 44
    NETWORK_GET_BRIDGE_NAME = 45
    NETWORK_LOOKUP_BY_NAME = 46
    NETWORK_LOOKUP_BY_UUID = 47
    NETWORK_SET_AUTOSTART = 48
    NETWORK_UNDEFINE = 49
    CONNECT_NUM_OF_DEFINED_NETWORKS = 50
    CONNECT_NUM_OF_DOMAINS = 51
    CONNECT_NUM_OF_NETWORKS = 52
    DOMAIN_CORE_DUMP = 53
    DOMAIN_RESTORE = 54
    DOMAIN_SAVE = 55
    DOMAIN_GET_SCHEDULER_TYPE = 56
    DOMAIN_GET_SCHEDULER_PARAMETERS = 57
    DOMAIN_SET_SCHEDULER_PARAMETERS = 58
    CONNECT_GET_HOSTNAME = 59
    CONNECT_SUPPORTS_FEATURE = 60
    DOMAIN_MIGRATE_PREPARE = 61
    DOMAIN_MIGRATE_PERFORM = 62
    DOMAIN_MIGRATE_FINISH = 63
    DOMAIN_BLOCK_STATS = 64
    DOMAIN_INTERFACE_STATS = 65
    AUTH_LIST = 66
    AUTH_SASL_INIT = 67
    AUTH_SASL_START = 68
    AUTH_SASL_STEP = 69
    AUTH_POLKIT = 70
    CONNECT_NUM_OF_STORAGE_POOLS = 71
    CONNECT_LIST_STORAGE_POOLS = 72
    CONNECT_NUM_OF_DEFINED_STORAGE_POOLS = 73
    CONNECT_LIST_DEFINED_STORAGE_POOLS = 74
    CONNECT_FIND_STORAGE_POOL_SOURCES = 75
    STORAGE_POOL_CREATE_XML = 76
    STORAGE_POOL_DEFINE_XML = 77
    STORAGE_POOL_CREATE = 78
    STORAGE_POOL_BUILD = 79
    STORAGE_POOL_DESTROY = 80
    STORAGE_POOL_DELETE = 81
    STORAGE_POOL_UNDEFINE = 82
    STORAGE_POOL_REFRESH = 83
    STORAGE_POOL_LOOKUP_BY_NAME = 84
    STORAGE_POOL_LOOKUP_BY_UUID = 85
    STORAGE_POOL_LOOKUP_BY_VOLUME = 86
    STORAGE_POOL_GET_INFO = 87
    STORAGE_POOL_GET_XML_DESC = 88
    STORAGE_POOL_GET_AUTOSTART = 89
    STORAGE_POOL_SET_AUTOSTART = 90
    STORAGE_POOL_NUM_OF_VOLUMES = 91
    STORAGE_POOL_LIST_VOLUMES = 92
    STORAGE_VOL_CREATE_XML = 93
    STORAGE_VOL_DELETE = 94
    STORAGE_VOL_LOOKUP_BY_NAME = 95
    STORAGE_VOL_LOOKUP_BY_KEY = 96
    STORAGE_VOL_LOOKUP_BY_PATH = 97
    STORAGE_VOL_GET_INFO = 98
    STORAGE_VOL_GET_XML_DESC = 99
    STORAGE_VOL_GET_PATH = 100
    NODE_GET_CELLS_FREE_MEMORY = 101
    NODE_GET_FREE_MEMORY = 102
    DOMAIN_BLOCK_PEEK = 103
    DOMAIN_MEMORY_PEEK = 104
    CONNECT_DOMAIN_EVENT_REGISTER = 105
    CONNECT_DOMAIN_EVENT_DEREGISTER = 106
    DOMAIN_EVENT_LIFECYCLE = 107
    DOMAIN_MIGRATE_PREPARE2 = 108
    DOMAIN_MIGRATE_FINISH2 = 109
    CONNECT_GET_URI = 110
    NODE_NUM_OF_DEVICES = 111
    NODE_LIST_DEVICES = 112
    NODE_DEVICE_LOOKUP_BY_NAME = 113
    NODE_DEVICE_GET_XML_DESC = 114
    NODE_DEVICE_GET_PARENT = 115
    NODE_DEVICE_NUM_OF_CAPS = 116
    NODE_DEVICE_LIST_CAPS = 117
    NODE_DEVICE_DETTACH = 118
    NODE_DEVICE_RE_ATTACH = 119
    NODE_DEVICE_RESET = 120
    DOMAIN_GET_SECURITY_LABEL = 121
    NODE_GET_SECURITY_MODEL = 122
    NODE_DEVICE_CREATE_XML = 123
    NODE_DEVICE_DESTROY = 124
    STORAGE_VOL_CREATE_XML_FROM = 125
    CONNECT_NUM_OF_INTERFACES = 126
    CONNECT_LIST_INTERFACES = 127
    INTERFACE_LOOKUP_BY_NAME = 128
    INTERFACE_LOOKUP_BY_MAC_STRING = 129
    INTERFACE_GET_XML_DESC = 130
    INTERFACE_DEFINE_XML = 131
    INTERFACE_UNDEFINE = 132
    INTERFACE_CREATE = 133
    INTERFACE_DESTROY = 134
    CONNECT_DOMAIN_XML_FROM_NATIVE = 135
    CONNECT_DOMAIN_XML_TO_NATIVE = 136
    CONNECT_NUM_OF_DEFINED_INTERFACES = 137
    CONNECT_LIST_DEFINED_INTERFACES = 138
    CONNECT_NUM_OF_SECRETS = 139
    CONNECT_LIST_SECRETS = 140
    SECRET_LOOKUP_BY_UUID = 141
    SECRET_DEFINE_XML = 142
    SECRET_GET_XML_DESC = 143
    SECRET_SET_VALUE = 144
    SECRET_GET_VALUE = 145
    SECRET_UNDEFINE = 146
    SECRET_LOOKUP_BY_USAGE = 147
    DOMAIN_MIGRATE_PREPARE_TUNNEL = 148
    CONNECT_IS_SECURE = 149
    DOMAIN_IS_ACTIVE = 150
    DOMAIN_IS_PERSISTENT = 151
    NETWORK_IS_ACTIVE = 152
    NETWORK_IS_PERSISTENT = 153
    STORAGE_POOL_IS_ACTIVE = 154
    STORAGE_POOL_IS_PERSISTENT = 155
    INTERFACE_IS_ACTIVE = 156
    CONNECT_GET_LIB_VERSION = 157
    CONNECT_COMPARE_CPU = 158
    DOMAIN_MEMORY_STATS = 159
    DOMAIN_ATTACH_DEVICE_FLAGS = 160
    DOMAIN_DETACH_DEVICE_FLAGS = 161
    CONNECT_BASELINE_CPU = 162
    DOMAIN_GET_JOB_INFO = 163
    DOMAIN_ABORT_JOB = 164
    STORAGE_VOL_WIPE = 165
    DOMAIN_MIGRATE_SET_MAX_DOWNTIME = 166
    CONNECT_DOMAIN_EVENT_REGISTER_ANY = 167
    CONNECT_DOMAIN_EVENT_DEREGISTER_ANY = 168
    DOMAIN_EVENT_REBOOT = 169
    DOMAIN_EVENT_RTC_CHANGE = 170
    DOMAIN_EVENT_WATCHDOG = 171
    DOMAIN_EVENT_IO_ERROR = 172
    DOMAIN_EVENT_GRAPHICS = 173
    DOMAIN_UPDATE_DEVICE_FLAGS = 174
    NWFILTER_LOOKUP_BY_NAME = 175
    NWFILTER_LOOKUP_BY_UUID = 176
    NWFILTER_GET_XML_DESC = 177
    CONNECT_NUM_OF_NWFILTERS = 178
    CONNECT_LIST_NWFILTERS = 179
    NWFILTER_DEFINE_XML = 180
    NWFILTER_UNDEFINE = 181
    DOMAIN_MANAGED_SAVE = 182
    DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183
    DOMAIN_MANAGED_SAVE_REMOVE = 184
    DOMAIN_SNAPSHOT_CREATE_XML = 185
    DOMAIN_SNAPSHOT_GET_XML_DESC = 186
    DOMAIN_SNAPSHOT_NUM = 187
    DOMAIN_SNAPSHOT_LIST_NAMES = 188
    DOMAIN_SNAPSHOT_LOOKUP_BY_NAME = 189
    DOMAIN_HAS_CURRENT_SNAPSHOT = 190
    DOMAIN_SNAPSHOT_CURRENT = 191
    DOMAIN_REVERT_TO_SNAPSHOT = 192
    DOMAIN_SNAPSHOT_DELETE = 193
    DOMAIN_GET_BLOCK_INFO = 194
    DOMAIN_EVENT_IO_ERROR_REASON = 195
    DOMAIN_CREATE_WITH_FLAGS = 196
    DOMAIN_SET_MEMORY_PARAMETERS = 197
    DOMAIN_GET_MEMORY_PARAMETERS = 198
    DOMAIN_SET_VCPUS_FLAGS = 199
    DOMAIN_GET_VCPUS_FLAGS = 200
    DOMAIN_OPEN_CONSOLE = 201
    DOMAIN_IS_UPDATED = 202
    CONNECT_GET_SYSINFO = 203
    DOMAIN_SET_MEMORY_FLAGS = 204
    DOMAIN_SET_BLKIO_PARAMETERS = 205
    DOMAIN_GET_BLKIO_PARAMETERS = 206
    DOMAIN_MIGRATE_SET_MAX_SPEED = 207
    STORAGE_VOL_UPLOAD = 208
    STORAGE_VOL_DOWNLOAD = 209
    DOMAIN_INJECT_NMI = 210
    DOMAIN_SCREENSHOT = 211
    DOMAIN_GET_STATE = 212
    DOMAIN_MIGRATE_BEGIN3 = 213
    DOMAIN_MIGRATE_PREPARE3 = 214
    DOMAIN_MIGRATE_PREPARE_TUNNEL3 = 215
    DOMAIN_MIGRATE_PERFORM3 = 216
    DOMAIN_MIGRATE_FINISH3 = 217
    DOMAIN_MIGRATE_CONFIRM3 = 218
    DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS = 219
    INTERFACE_CHANGE_BEGIN = 220
    INTERFACE_CHANGE_COMMIT = 221
    INTERFACE_CHANGE_ROLLBACK = 222
    DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS = 223
    DOMAIN_EVENT_CONTROL_ERROR = 224
    DOMAIN_PIN_VCPU_FLAGS = 225
    DOMAIN_SEND_KEY = 226
    NODE_GET_CPU_STATS = 227
    NODE_GET_MEMORY_STATS = 228
    DOMAIN_GET_CONTROL_INFO = 229
    DOMAIN_GET_VCPU_PIN_INFO = 230
    DOMAIN_UNDEFINE_FLAGS = 231
    DOMAIN_SAVE_FLAGS = 232
    DOMAIN_RESTORE_FLAGS = 233
    DOMAIN_DESTROY_FLAGS = 234
    DOMAIN_SAVE_IMAGE_GET_XML_DESC = 235
    DOMAIN_SAVE_IMAGE_DEFINE_XML = 236
    DOMAIN_BLOCK_JOB_ABORT = 237
    DOMAIN_GET_BLOCK_JOB_INFO = 238
    DOMAIN_BLOCK_JOB_SET_SPEED = 239
    DOMAIN_BLOCK_PULL = 240
    DOMAIN_EVENT_BLOCK_JOB = 241
    DOMAIN_MIGRATE_GET_MAX_SPEED = 242
    DOMAIN_BLOCK_STATS_FLAGS = 243
    DOMAIN_SNAPSHOT_GET_PARENT = 244
    DOMAIN_RESET = 245
    DOMAIN_SNAPSHOT_NUM_CHILDREN = 246
    DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES = 247
    DOMAIN_EVENT_DISK_CHANGE = 248
    DOMAIN_OPEN_GRAPHICS = 249
    NODE_SUSPEND_FOR_DURATION = 250
    DOMAIN_BLOCK_RESIZE = 251
    DOMAIN_SET_BLOCK_IO_TUNE = 252
    DOMAIN_GET_BLOCK_IO_TUNE = 253
    DOMAIN_SET_NUMA_PARAMETERS = 254
    DOMAIN_GET_NUMA_PARAMETERS = 255
    DOMAIN_SET_INTERFACE_PARAMETERS = 256
    DOMAIN_GET_INTERFACE_PARAMETERS = 257
    DOMAIN_SHUTDOWN_FLAGS = 258
    STORAGE_VOL_WIPE_PATTERN = 259
    STORAGE_VOL_RESIZE = 260
    DOMAIN_PM_SUSPEND_FOR_DURATION = 261
    DOMAIN_GET_CPU_STATS = 262
    DOMAIN_GET_DISK_ERRORS = 263
    DOMAIN_SET_METADATA = 264
    DOMAIN_GET_METADATA = 265
    DOMAIN_BLOCK_REBASE = 266
    DOMAIN_PM_WAKEUP = 267
    DOMAIN_EVENT_TRAY_CHANGE = 268
    DOMAIN_EVENT_PMWAKEUP = 269
    DOMAIN_EVENT_PMSUSPEND = 270
    DOMAIN_SNAPSHOT_IS_CURRENT = 271
    DOMAIN_SNAPSHOT_HAS_METADATA = 272
    CONNECT_LIST_ALL_DOMAINS = 273
    DOMAIN_LIST_ALL_SNAPSHOTS = 274
    DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN = 275
    DOMAIN_EVENT_BALLOON_CHANGE = 276
    DOMAIN_GET_HOSTNAME = 277
    DOMAIN_GET_SECURITY_LABEL_LIST = 278
    DOMAIN_PIN_EMULATOR = 279
    DOMAIN_GET_EMULATOR_PIN_INFO = 280
    CONNECT_LIST_ALL_STORAGE_POOLS = 281
    STORAGE_POOL_LIST_ALL_VOLUMES = 282
    CONNECT_LIST_ALL_NETWORKS = 283
    CONNECT_LIST_ALL_INTERFACES = 284
    CONNECT_LIST_ALL_NODE_DEVICES = 285
    CONNECT_LIST_ALL_NWFILTERS = 286
    CONNECT_LIST_ALL_SECRETS = 287
    NODE_SET_MEMORY_PARAMETERS = 288
    NODE_GET_MEMORY_PARAMETERS = 289
    DOMAIN_BLOCK_COMMIT = 290
    NETWORK_UPDATE = 291
    DOMAIN_EVENT_PMSUSPEND_DISK = 292
    NODE_GET_CPU_MAP = 293
    DOMAIN_FSTRIM = 294
    DOMAIN_SEND_PROCESS_SIGNAL = 295
    DOMAIN_OPEN_CHANNEL = 296
    NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN = 297
    DOMAIN_GET_JOB_STATS = 298
    DOMAIN_MIGRATE_GET_COMPRESSION_CACHE = 299
    DOMAIN_MIGRATE_SET_COMPRESSION_CACHE = 300
    NODE_DEVICE_DETACH_FLAGS = 301
    DOMAIN_MIGRATE_BEGIN3_PARAMS = 302
    DOMAIN_MIGRATE_PREPARE3_PARAMS = 303
    DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS = 304
    DOMAIN_MIGRATE_PERFORM3_PARAMS = 305
    DOMAIN_MIGRATE_FINISH3_PARAMS = 306
    DOMAIN_MIGRATE_CONFIRM3_PARAMS = 307
    DOMAIN_SET_MEMORY_STATS_PERIOD = 308
    DOMAIN_CREATE_XML_WITH_FILES = 309
    DOMAIN_CREATE_WITH_FILES = 310
    DOMAIN_EVENT_DEVICE_REMOVED = 311
    CONNECT_GET_CPU_MODEL_NAMES = 312
    CONNECT_NETWORK_EVENT_REGISTER_ANY = 313
    CONNECT_NETWORK_EVENT_DEREGISTER_ANY = 314
    NETWORK_EVENT_LIFECYCLE = 315
    CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = 316
    CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = 317
    DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318
    DOMAIN_EVENT_CALLBACK_REBOOT = 319
    DOMAIN_EVENT_CALLBACK_RTC_CHANGE = 320
    DOMAIN_EVENT_CALLBACK_WATCHDOG = 321
    DOMAIN_EVENT_CALLBACK_IO_ERROR = 322
    DOMAIN_EVENT_CALLBACK_GRAPHICS = 323
    DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON = 324
    DOMAIN_EVENT_CALLBACK_CONTROL_ERROR = 325
    DOMAIN_EVENT_CALLBACK_BLOCK_JOB = 326
    DOMAIN_EVENT_CALLBACK_DISK_CHANGE = 327
    DOMAIN_EVENT_CALLBACK_TRAY_CHANGE = 328
    DOMAIN_EVENT_CALLBACK_PMWAKEUP = 329
    DOMAIN_EVENT_CALLBACK_PMSUSPEND = 330
    DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE = 331
    DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK = 332
    DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED = 333
    DOMAIN_CORE_DUMP_WITH_FORMAT = 334
    DOMAIN_FSFREEZE = 335
    DOMAIN_FSTHAW = 336
    DOMAIN_GET_TIME = 337
    DOMAIN_SET_TIME = 338
    DOMAIN_EVENT_BLOCK_JOB_2 = 339
    NODE_GET_FREE_PAGES = 340
    NETWORK_GET_DHCP_LEASES = 341
    CONNECT_GET_DOMAIN_CAPABILITIES = 342
    DOMAIN_OPEN_GRAPHICS_FD = 343
    CONNECT_GET_ALL_DOMAIN_STATS = 344
    DOMAIN_BLOCK_COPY = 345
    DOMAIN_EVENT_CALLBACK_TUNABLE = 346
    NODE_ALLOC_PAGES = 347
    DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE = 348
    DOMAIN_GET_FSINFO = 349
    DOMAIN_DEFINE_XML_FLAGS = 350
    DOMAIN_GET_IOTHREAD_INFO = 351
    DOMAIN_PIN_IOTHREAD = 352
    DOMAIN_INTERFACE_ADDRESSES = 353
    DOMAIN_EVENT_CALLBACK_DEVICE_ADDED = 354
    DOMAIN_ADD_IOTHREAD = 355
    DOMAIN_DEL_IOTHREAD = 356
    DOMAIN_SET_USER_PASSWORD = 357
    DOMAIN_RENAME = 358
    DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION = 359
    CONNECT_REGISTER_CLOSE_CALLBACK = 360
    CONNECT_UNREGISTER_CLOSE_CALLBACK = 361
    CONNECT_EVENT_CONNECTION_CLOSED = 362
    DOMAIN_EVENT_CALLBACK_JOB_COMPLETED = 363
    DOMAIN_MIGRATE_START_POST_COPY = 364
    DOMAIN_GET_PERF_EVENTS = 365
    DOMAIN_SET_PERF_EVENTS = 366
    DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED = 367
    CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY = 368
    CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY = 369
    STORAGE_POOL_EVENT_LIFECYCLE = 370
    DOMAIN_GET_GUEST_VCPUS = 371
    DOMAIN_SET_GUEST_VCPUS = 372
    STORAGE_POOL_EVENT_REFRESH = 373
    CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY = 374
    CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY = 375
    NODE_DEVICE_EVENT_LIFECYCLE = 376
    NODE_DEVICE_EVENT_UPDATE = 377
    STORAGE_VOL_GET_INFO_FLAGS = 378
    DOMAIN_EVENT_CALLBACK_METADATA_CHANGE = 379
    CONNECT_SECRET_EVENT_REGISTER_ANY = 380
    CONNECT_SECRET_EVENT_DEREGISTER_ANY = 381
    SECRET_EVENT_LIFECYCLE = 382
    SECRET_EVENT_VALUE_CHANGED = 383
    DOMAIN_SET_VCPU = 384
    DOMAIN_EVENT_BLOCK_THRESHOLD = 385
    DOMAIN_SET_BLOCK_THRESHOLD = 386
    DOMAIN_MIGRATE_GET_MAX_DOWNTIME = 387
    DOMAIN_MANAGED_SAVE_GET_XML_DESC = 388
    DOMAIN_MANAGED_SAVE_DEFINE_XML = 389
    DOMAIN_SET_LIFECYCLE_ACTION = 390
    STORAGE_POOL_LOOKUP_BY_TARGET_PATH = 391
    DOMAIN_DETACH_DEVICE_ALIAS = 392
    CONNECT_COMPARE_HYPERVISOR_CPU = 393
    CONNECT_BASELINE_HYPERVISOR_CPU = 394
    NODE_GET_SEV_INFO = 395
    DOMAIN_GET_LAUNCH_SECURITY_INFO = 396
    NWFILTER_BINDING_LOOKUP_BY_PORT_DEV = 397
    NWFILTER_BINDING_GET_XML_DESC = 398
    NWFILTER_BINDING_CREATE_XML = 399
    NWFILTER_BINDING_DELETE = 400
    CONNECT_LIST_ALL_NWFILTER_BINDINGS = 401
    DOMAIN_SET_IOTHREAD_PARAMS = 402
    CONNECT_GET_STORAGE_POOL_CAPABILITIES = 403
    NETWORK_LIST_ALL_PORTS = 404
    NETWORK_PORT_LOOKUP_BY_UUID = 405
    NETWORK_PORT_CREATE_XML = 406
    NETWORK_PORT_GET_PARAMETERS = 407
    NETWORK_PORT_SET_PARAMETERS = 408
    NETWORK_PORT_GET_XML_DESC = 409
    NETWORK_PORT_DELETE = 410
    DOMAIN_CHECKPOINT_CREATE_XML = 411
    DOMAIN_CHECKPOINT_GET_XML_DESC = 412
    DOMAIN_LIST_ALL_CHECKPOINTS = 413
    DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN = 414
    DOMAIN_CHECKPOINT_LOOKUP_BY_NAME = 415
    DOMAIN_CHECKPOINT_GET_PARENT = 416
    DOMAIN_CHECKPOINT_DELETE = 417
    DOMAIN_GET_GUEST_INFO = 418
    CONNECT_SET_IDENTITY = 419
    DOMAIN_AGENT_SET_RESPONSE_TIMEOUT = 420
    DOMAIN_BACKUP_BEGIN = 421
    DOMAIN_BACKUP_GET_XML_DESC = 422
    DOMAIN_EVENT_MEMORY_FAILURE = 423
    DOMAIN_AUTHORIZED_SSH_KEYS_GET = 424
    DOMAIN_AUTHORIZED_SSH_KEYS_SET = 425
    DOMAIN_GET_MESSAGES = 426
    DOMAIN_START_DIRTY_RATE_CALC = 427
    NODE_DEVICE_DEFINE_XML = 428
    NODE_DEVICE_UNDEFINE = 429
    NODE_DEVICE_CREATE = 430
    NWFILTER_DEFINE_XML_FLAGS = 431
    NETWORK_DEFINE_XML_FLAGS = 432
    NODE_DEVICE_GET_AUTOSTART = 433
    NODE_DEVICE_SET_AUTOSTART = 434
    NODE_DEVICE_IS_PERSISTENT = 435
    NODE_DEVICE_IS_ACTIVE = 436
    NETWORK_CREATE_XML_FLAGS = 437
    DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE = 438
    DOMAIN_SET_LAUNCH_SECURITY_STATE = 439
    DOMAIN_SAVE_PARAMS = 440
    DOMAIN_RESTORE_PARAMS = 441
    DOMAIN_ABORT_JOB_FLAGS = 442
    DOMAIN_FD_ASSOCIATE = 443
    # Added after libvirt 9.x (go-libvirt knows them); a 9.0 daemon answers "unknown procedure".
    NETWORK_SET_METADATA = 444
    NETWORK_GET_METADATA = 445
    NETWORK_EVENT_CALLBACK_METADATA_CHANGE = 446
    NODE_DEVICE_UPDATE = 447
    DOMAIN_GRAPHICS_RELOAD = 448
    DOMAIN_GET_AUTOSTART_ONCE = 449
    DOMAIN_SET_AUTOSTART_ONCE = 450
    DOMAIN_SET_THROTTLE_GROUP = 451
    DOMAIN_DEL_THROTTLE_GROUP = 452
    DOMAIN_EVENT_NIC_MAC_CHANGE = 453


LAST_9X = 443

# number -> (public API name, file error domain of that API, @priority: high, server->client event)
# The error domain is what virReportUnsupportedError() uses in the daemon for that API.
PROC_INFO: dict[int, tuple[str | None, str, bool, bool]] = {
    1: ('virConnectOpen', 'NONE', True, False),
    2: ('virConnectClose', 'NONE', True, False),
    3: ('virConnectGetType', 'DOMAIN', True, False),
    4: ('virConnectGetVersion', 'DOMAIN', True, False),
    5: ('virConnectGetMaxVcpus', 'DOMAIN', True, False),
    6: ('virNodeGetInfo', 'DOMAIN', True, False),
    7: ('virConnectGetCapabilities', 'DOMAIN', False, False),
    8: ('virDomainAttachDevice', 'DOMAIN', False, False),
    9: ('virDomainCreate', 'DOMAIN', False, False),
    10: ('virDomainCreateXML', 'DOMAIN', False, False),
    11: ('virDomainDefineXML', 'DOMAIN', True, False),
    12: ('virDomainDestroy', 'DOMAIN', True, False),
    13: ('virDomainDetachDevice', 'DOMAIN', False, False),
    14: ('virDomainGetXMLDesc', 'DOMAIN', False, False),
    15: ('virDomainGetAutostart', 'DOMAIN', True, False),
    16: ('virDomainGetInfo', 'DOMAIN', False, False),
    17: ('virDomainGetMaxMemory', 'DOMAIN', True, False),
    18: ('virDomainGetMaxVcpus', 'DOMAIN', True, False),
    19: ('virDomainGetOSType', 'DOMAIN', True, False),
    20: ('virDomainGetVcpus', 'DOMAIN', True, False),
    21: ('virConnectListDefinedDomains', 'DOMAIN', True, False),
    22: ('virDomainLookupByID', 'DOMAIN', True, False),
    23: ('virDomainLookupByName', 'DOMAIN', True, False),
    24: ('virDomainLookupByUUID', 'DOMAIN', True, False),
    25: ('virConnectNumOfDefinedDomains', 'DOMAIN', True, False),
    26: ('virDomainPinVcpu', 'DOMAIN', False, False),
    27: ('virDomainReboot', 'DOMAIN', False, False),
    28: ('virDomainResume', 'DOMAIN', False, False),
    29: ('virDomainSetAutostart', 'DOMAIN', True, False),
    30: ('virDomainSetMaxMemory', 'DOMAIN', True, False),
    31: ('virDomainSetMemory', 'DOMAIN', False, False),
    32: ('virDomainSetVcpus', 'DOMAIN', False, False),
    33: ('virDomainShutdown', 'DOMAIN', False, False),
    34: ('virDomainSuspend', 'DOMAIN', False, False),
    35: ('virDomainUndefine', 'DOMAIN', True, False),
    36: ('virConnectListDefinedNetworks', 'NETWORK', True, False),
    37: ('virConnectListDomains', 'DOMAIN', True, False),
    38: ('virConnectListNetworks', 'NETWORK', True, False),
    39: ('virNetworkCreate', 'NETWORK', False, False),
    40: ('virNetworkCreateXML', 'NETWORK', False, False),
    41: ('virNetworkDefineXML', 'NETWORK', True, False),
    42: ('virNetworkDestroy', 'NETWORK', True, False),
    43: ('virNetworkGetXMLDesc', 'NETWORK', True, False),
    44: ('virNetworkGetAutostart', 'NETWORK', True, False),
    45: ('virNetworkGetBridgeName', 'NETWORK', True, False),
    46: ('virNetworkLookupByName', 'NETWORK', True, False),
    47: ('virNetworkLookupByUUID', 'NETWORK', True, False),
    48: ('virNetworkSetAutostart', 'NETWORK', True, False),
    49: ('virNetworkUndefine', 'NETWORK', True, False),
    50: ('virConnectNumOfDefinedNetworks', 'NETWORK', True, False),
    51: ('virConnectNumOfDomains', 'DOMAIN', True, False),
    52: ('virConnectNumOfNetworks', 'NETWORK', True, False),
    53: ('virDomainCoreDump', 'DOMAIN', False, False),
    54: ('virDomainRestore', 'DOMAIN', False, False),
    55: ('virDomainSave', 'DOMAIN', False, False),
    56: ('virDomainGetSchedulerType', 'DOMAIN', False, False),
    57: ('virDomainGetSchedulerParameters', 'DOMAIN', False, False),
    58: ('virDomainSetSchedulerParameters', 'DOMAIN', False, False),
    59: ('virConnectGetHostname', 'DOMAIN', True, False),
    60: ('virConnectSupportsFeature', 'DOMAIN', True, False),
    61: ('virDomainMigratePrepare', 'DOMAIN', False, False),
    62: ('virDomainMigratePerform', 'DOMAIN', False, False),
    63: ('virDomainMigrateFinish', 'DOMAIN', False, False),
    64: ('virDomainBlockStats', 'DOMAIN', False, False),
    65: ('virDomainInterfaceStats', 'DOMAIN', True, False),
    66: (None, 'NONE', True, False),
    67: (None, 'NONE', True, False),
    68: (None, 'NONE', True, False),
    69: (None, 'NONE', True, False),
    70: (None, 'NONE', True, False),
    71: ('virConnectNumOfStoragePools', 'STORAGE', True, False),
    72: ('virConnectListStoragePools', 'STORAGE', True, False),
    73: ('virConnectNumOfDefinedStoragePools', 'STORAGE', True, False),
    74: ('virConnectListDefinedStoragePools', 'STORAGE', True, False),
    75: ('virConnectFindStoragePoolSources', 'STORAGE', False, False),
    76: ('virStoragePoolCreateXML', 'STORAGE', False, False),
    77: ('virStoragePoolDefineXML', 'STORAGE', True, False),
    78: ('virStoragePoolCreate', 'STORAGE', False, False),
    79: ('virStoragePoolBuild', 'STORAGE', False, False),
    80: ('virStoragePoolDestroy', 'STORAGE', True, False),
    81: ('virStoragePoolDelete', 'STORAGE', False, False),
    82: ('virStoragePoolUndefine', 'STORAGE', True, False),
    83: ('virStoragePoolRefresh', 'STORAGE', False, False),
    84: ('virStoragePoolLookupByName', 'STORAGE', True, False),
    85: ('virStoragePoolLookupByUUID', 'STORAGE', True, False),
    86: ('virStoragePoolLookupByVolume', 'STORAGE', True, False),
    87: ('virStoragePoolGetInfo', 'STORAGE', True, False),
    88: ('virStoragePoolGetXMLDesc', 'STORAGE', True, False),
    89: ('virStoragePoolGetAutostart', 'STORAGE', True, False),
    90: ('virStoragePoolSetAutostart', 'STORAGE', True, False),
    91: ('virStoragePoolNumOfVolumes', 'STORAGE', True, False),
    92: ('virStoragePoolListVolumes', 'STORAGE', True, False),
    93: ('virStorageVolCreateXML', 'STORAGE', False, False),
    94: ('virStorageVolDelete', 'STORAGE', False, False),
    95: ('virStorageVolLookupByName', 'STORAGE', True, False),
    96: ('virStorageVolLookupByKey', 'STORAGE', True, False),
    97: ('virStorageVolLookupByPath', 'STORAGE', True, False),
    98: ('virStorageVolGetInfo', 'STORAGE', True, False),
    99: ('virStorageVolGetXMLDesc', 'STORAGE', True, False),
    100: ('virStorageVolGetPath', 'STORAGE', True, False),
    101: ('virNodeGetCellsFreeMemory', 'DOMAIN', True, False),
    102: ('virNodeGetFreeMemory', 'DOMAIN', True, False),
    103: ('virDomainBlockPeek', 'DOMAIN', False, False),
    104: ('virDomainMemoryPeek', 'DOMAIN', False, False),
    105: ('virConnectDomainEventRegister', 'DOMAIN', True, False),
    106: ('virConnectDomainEventDeregister', 'DOMAIN', True, False),
    107: (None, 'NONE', False, True),
    108: ('virDomainMigratePrepare2', 'DOMAIN', False, False),
    109: ('virDomainMigrateFinish2', 'DOMAIN', False, False),
    110: ('virConnectGetURI', 'DOMAIN', True, False),
    111: ('virNodeNumOfDevices', 'NODEDEV', True, False),
    112: ('virNodeListDevices', 'NODEDEV', True, False),
    113: ('virNodeDeviceLookupByName', 'NODEDEV', True, False),
    114: ('virNodeDeviceGetXMLDesc', 'NODEDEV', False, False),
    115: ('virNodeDeviceGetParent', 'NODEDEV', True, False),
    116: ('virNodeDeviceNumOfCaps', 'NODEDEV', True, False),
    117: ('virNodeDeviceListCaps', 'NODEDEV', True, False),
    118: ('virNodeDeviceDettach', 'NODEDEV', False, False),
    119: ('virNodeDeviceReAttach', 'NODEDEV', False, False),
    120: ('virNodeDeviceReset', 'NODEDEV', False, False),
    121: ('virDomainGetSecurityLabel', 'DOMAIN', True, False),
    122: ('virNodeGetSecurityModel', 'DOMAIN', True, False),
    123: ('virNodeDeviceCreateXML', 'NODEDEV', False, False),
    124: ('virNodeDeviceDestroy', 'NODEDEV', True, False),
    125: ('virStorageVolCreateXMLFrom', 'STORAGE', False, False),
    126: ('virConnectNumOfInterfaces', 'INTERFACE', True, False),
    127: ('virConnectListInterfaces', 'INTERFACE', True, False),
    128: ('virInterfaceLookupByName', 'INTERFACE', True, False),
    129: ('virInterfaceLookupByMACString', 'INTERFACE', True, False),
    130: ('virInterfaceGetXMLDesc', 'INTERFACE', False, False),
    131: ('virInterfaceDefineXML', 'INTERFACE', True, False),
    132: ('virInterfaceUndefine', 'INTERFACE', True, False),
    133: ('virInterfaceCreate', 'INTERFACE', False, False),
    134: ('virInterfaceDestroy', 'INTERFACE', True, False),
    135: ('virConnectDomainXMLFromNative', 'DOMAIN', False, False),
    136: ('virConnectDomainXMLToNative', 'DOMAIN', False, False),
    137: ('virConnectNumOfDefinedInterfaces', 'INTERFACE', True, False),
    138: ('virConnectListDefinedInterfaces', 'INTERFACE', True, False),
    139: ('virConnectNumOfSecrets', 'SECRET', True, False),
    140: ('virConnectListSecrets', 'SECRET', True, False),
    141: ('virSecretLookupByUUID', 'SECRET', True, False),
    142: ('virSecretDefineXML', 'SECRET', True, False),
    143: ('virSecretGetXMLDesc', 'SECRET', True, False),
    144: ('virSecretSetValue', 'SECRET', True, False),
    145: ('virSecretGetValue', 'SECRET', True, False),
    146: ('virSecretUndefine', 'SECRET', True, False),
    147: ('virSecretLookupByUsage', 'SECRET', True, False),
    148: ('virDomainMigratePrepareTunnel', 'DOMAIN', False, False),
    149: ('virConnectIsSecure', 'DOMAIN', True, False),
    150: ('virDomainIsActive', 'DOMAIN', True, False),
    151: ('virDomainIsPersistent', 'DOMAIN', True, False),
    152: ('virNetworkIsActive', 'NETWORK', True, False),
    153: ('virNetworkIsPersistent', 'NETWORK', True, False),
    154: ('virStoragePoolIsActive', 'STORAGE', True, False),
    155: ('virStoragePoolIsPersistent', 'STORAGE', True, False),
    156: ('virInterfaceIsActive', 'INTERFACE', True, False),
    157: ('virConnectGetLibVersion', 'DOMAIN', True, False),
    158: ('virConnectCompareCPU', 'DOMAIN', True, False),
    159: ('virDomainMemoryStats', 'DOMAIN', False, False),
    160: ('virDomainAttachDeviceFlags', 'DOMAIN', False, False),
    161: ('virDomainDetachDeviceFlags', 'DOMAIN', False, False),
    162: ('virConnectBaselineCPU', 'DOMAIN', False, False),
    163: ('virDomainGetJobInfo', 'DOMAIN', False, False),
    164: ('virDomainAbortJob', 'DOMAIN', False, False),
    165: ('virStorageVolWipe', 'STORAGE', False, False),
    166: ('virDomainMigrateSetMaxDowntime', 'DOMAIN', False, False),
    167: ('virConnectDomainEventRegisterAny', 'DOMAIN', True, False),
    168: ('virConnectDomainEventDeregisterAny', 'DOMAIN', True, False),
    169: (None, 'NONE', False, True),
    170: (None, 'NONE', False, True),
    171: (None, 'NONE', False, True),
    172: (None, 'NONE', False, True),
    173: (None, 'NONE', False, True),
    174: ('virDomainUpdateDeviceFlags', 'DOMAIN', False, False),
    175: ('virNWFilterLookupByName', 'NWFILTER', True, False),
    176: ('virNWFilterLookupByUUID', 'NWFILTER', True, False),
    177: ('virNWFilterGetXMLDesc', 'NWFILTER', True, False),
    178: ('virConnectNumOfNWFilters', 'NWFILTER', True, False),
    179: ('virConnectListNWFilters', 'NWFILTER', True, False),
    180: ('virNWFilterDefineXML', 'NWFILTER', True, False),
    181: ('virNWFilterUndefine', 'NWFILTER', True, False),
    182: ('virDomainManagedSave', 'DOMAIN', False, False),
    183: ('virDomainHasManagedSaveImage', 'DOMAIN', False, False),
    184: ('virDomainManagedSaveRemove', 'DOMAIN', False, False),
    185: ('virDomainSnapshotCreateXML', 'DOMAIN_SNAPSHOT', False, False),
    186: ('virDomainSnapshotGetXMLDesc', 'DOMAIN_SNAPSHOT', True, False),
    187: ('virDomainSnapshotNum', 'DOMAIN_SNAPSHOT', True, False),
    188: ('virDomainSnapshotListNames', 'DOMAIN_SNAPSHOT', True, False),
    189: ('virDomainSnapshotLookupByName', 'DOMAIN_SNAPSHOT', True, False),
    190: ('virDomainHasCurrentSnapshot', 'DOMAIN_SNAPSHOT', False, False),
    191: ('virDomainSnapshotCurrent', 'DOMAIN_SNAPSHOT', False, False),
    192: ('virDomainRevertToSnapshot', 'DOMAIN_SNAPSHOT', False, False),
    193: ('virDomainSnapshotDelete', 'DOMAIN_SNAPSHOT', False, False),
    194: ('virDomainGetBlockInfo', 'DOMAIN', False, False),
    195: (None, 'NONE', False, True),
    196: ('virDomainCreateWithFlags', 'DOMAIN', False, False),
    197: ('virDomainSetMemoryParameters', 'DOMAIN', False, False),
    198: ('virDomainGetMemoryParameters', 'DOMAIN', False, False),
    199: ('virDomainSetVcpusFlags', 'DOMAIN', False, False),
    200: ('virDomainGetVcpusFlags', 'DOMAIN', False, False),
    201: ('virDomainOpenConsole', 'DOMAIN', False, False),
    202: ('virDomainIsUpdated', 'DOMAIN', True, False),
    203: ('virConnectGetSysinfo', 'DOMAIN', True, False),
    204: ('virDomainSetMemoryFlags', 'DOMAIN', False, False),
    205: ('virDomainSetBlkioParameters', 'DOMAIN', False, False),
    206: ('virDomainGetBlkioParameters', 'DOMAIN', False, False),
    207: ('virDomainMigrateSetMaxSpeed', 'DOMAIN', False, False),
    208: ('virStorageVolUpload', 'STORAGE', False, False),
    209: ('virStorageVolDownload', 'STORAGE', False, False),
    210: ('virDomainInjectNMI', 'DOMAIN', False, False),
    211: ('virDomainScreenshot', 'DOMAIN', False, False),
    212: ('virDomainGetState', 'DOMAIN', True, False),
    213: ('virDomainMigrateBegin3', 'DOMAIN', False, False),
    214: ('virDomainMigratePrepare3', 'DOMAIN', False, False),
    215: ('virDomainMigratePrepareTunnel3', 'DOMAIN', False, False),
    216: ('virDomainMigratePerform3', 'DOMAIN', False, False),
    217: ('virDomainMigrateFinish3', 'DOMAIN', False, False),
    218: ('virDomainMigrateConfirm3', 'DOMAIN', False, False),
    219: ('virDomainSetSchedulerParametersFlags', 'DOMAIN', False, False),
    220: ('virInterfaceChangeBegin', 'INTERFACE', False, False),
    221: ('virInterfaceChangeCommit', 'INTERFACE', False, False),
    222: ('virInterfaceChangeRollback', 'INTERFACE', False, False),
    223: ('virDomainGetSchedulerParametersFlags', 'DOMAIN', False, False),
    224: (None, 'NONE', False, True),
    225: ('virDomainPinVcpuFlags', 'DOMAIN', False, False),
    226: ('virDomainSendKey', 'DOMAIN', False, False),
    227: ('virNodeGetCPUStats', 'DOMAIN', True, False),
    228: ('virNodeGetMemoryStats', 'DOMAIN', True, False),
    229: ('virDomainGetControlInfo', 'DOMAIN', True, False),
    230: ('virDomainGetVcpuPinInfo', 'DOMAIN', False, False),
    231: ('virDomainUndefineFlags', 'DOMAIN', True, False),
    232: ('virDomainSaveFlags', 'DOMAIN', False, False),
    233: ('virDomainRestoreFlags', 'DOMAIN', False, False),
    234: ('virDomainDestroyFlags', 'DOMAIN', True, False),
    235: ('virDomainSaveImageGetXMLDesc', 'DOMAIN', True, False),
    236: ('virDomainSaveImageDefineXML', 'DOMAIN', True, False),
    237: ('virDomainBlockJobAbort', 'DOMAIN', False, False),
    238: ('virDomainGetBlockJobInfo', 'DOMAIN', False, False),
    239: ('virDomainBlockJobSetSpeed', 'DOMAIN', False, False),
    240: ('virDomainBlockPull', 'DOMAIN', False, False),
    241: (None, 'NONE', False, True),
    242: ('virDomainMigrateGetMaxSpeed', 'DOMAIN', False, False),
    243: ('virDomainBlockStatsFlags', 'DOMAIN', False, False),
    244: ('virDomainSnapshotGetParent', 'DOMAIN_SNAPSHOT', True, False),
    245: ('virDomainReset', 'DOMAIN', False, False),
    246: ('virDomainSnapshotNumChildren', 'DOMAIN_SNAPSHOT', True, False),
    247: ('virDomainSnapshotListChildrenNames', 'DOMAIN_SNAPSHOT', True, False),
    248: (None, 'NONE', False, True),
    249: ('virDomainOpenGraphics', 'DOMAIN', False, False),
    250: ('virNodeSuspendForDuration', 'DOMAIN', False, False),
    251: ('virDomainBlockResize', 'DOMAIN', False, False),
    252: ('virDomainSetBlockIoTune', 'DOMAIN', False, False),
    253: ('virDomainGetBlockIoTune', 'DOMAIN', False, False),
    254: ('virDomainSetNumaParameters', 'DOMAIN', False, False),
    255: ('virDomainGetNumaParameters', 'DOMAIN', False, False),
    256: ('virDomainSetInterfaceParameters', 'DOMAIN', False, False),
    257: ('virDomainGetInterfaceParameters', 'DOMAIN', False, False),
    258: ('virDomainShutdownFlags', 'DOMAIN', False, False),
    259: ('virStorageVolWipePattern', 'STORAGE', False, False),
    260: ('virStorageVolResize', 'STORAGE', False, False),
    261: ('virDomainPMSuspendForDuration', 'DOMAIN', False, False),
    262: ('virDomainGetCPUStats', 'DOMAIN', False, False),
    263: ('virDomainGetDiskErrors', 'DOMAIN', False, False),
    264: ('virDomainSetMetadata', 'DOMAIN', False, False),
    265: ('virDomainGetMetadata', 'DOMAIN', False, False),
    266: ('virDomainBlockRebase', 'DOMAIN', False, False),
    267: ('virDomainPMWakeup', 'DOMAIN', False, False),
    268: (None, 'NONE', False, True),
    269: (None, 'NONE', False, True),
    270: (None, 'NONE', False, True),
    271: ('virDomainSnapshotIsCurrent', 'DOMAIN_SNAPSHOT', False, False),
    272: ('virDomainSnapshotHasMetadata', 'DOMAIN_SNAPSHOT', False, False),
    273: ('virConnectListAllDomains', 'DOMAIN', True, False),
    274: ('virDomainListAllSnapshots', 'DOMAIN_SNAPSHOT', True, False),
    275: ('virDomainSnapshotListAllChildren', 'DOMAIN_SNAPSHOT', True, False),
    276: (None, 'NONE', False, True),
    277: ('virDomainGetHostname', 'DOMAIN', False, False),
    278: ('virDomainGetSecurityLabelList', 'DOMAIN', True, False),
    279: ('virDomainPinEmulator', 'DOMAIN', False, False),
    280: ('virDomainGetEmulatorPinInfo', 'DOMAIN', False, False),
    281: ('virConnectListAllStoragePools', 'STORAGE', True, False),
    282: ('virStoragePoolListAllVolumes', 'STORAGE', True, False),
    283: ('virConnectListAllNetworks', 'NETWORK', True, False),
    284: ('virConnectListAllInterfaces', 'INTERFACE', True, False),
    285: ('virConnectListAllNodeDevices', 'NODEDEV', True, False),
    286: ('virConnectListAllNWFilters', 'NWFILTER', True, False),
    287: ('virConnectListAllSecrets', 'SECRET', True, False),
    288: ('virNodeSetMemoryParameters', 'DOMAIN', False, False),
    289: ('virNodeGetMemoryParameters', 'DOMAIN', False, False),
    290: ('virDomainBlockCommit', 'DOMAIN', False, False),
    291: ('virNetworkUpdate', 'NETWORK', True, False),
    292: (None, 'NONE', False, True),
    293: ('virNodeGetCPUMap', 'DOMAIN', False, False),
    294: ('virDomainFSTrim', 'DOMAIN', False, False),
    295: ('virDomainSendProcessSignal', 'DOMAIN', False, False),
    296: ('virDomainOpenChannel', 'DOMAIN', False, False),
    297: ('virNodeDeviceLookupSCSIHostByWWN', 'NODEDEV', True, False),
    298: ('virDomainGetJobStats', 'DOMAIN', False, False),
    299: ('virDomainMigrateGetCompressionCache', 'DOMAIN', False, False),
    300: ('virDomainMigrateSetCompressionCache', 'DOMAIN', False, False),
    301: ('virNodeDeviceDetachFlags', 'NODEDEV', False, False),
    302: ('virDomainMigrateBegin3Params', 'DOMAIN', False, False),
    303: ('virDomainMigratePrepare3Params', 'DOMAIN', False, False),
    304: ('virDomainMigratePrepareTunnel3Params', 'DOMAIN', False, False),
    305: ('virDomainMigratePerform3Params', 'DOMAIN', False, False),
    306: ('virDomainMigrateFinish3Params', 'DOMAIN', False, False),
    307: ('virDomainMigrateConfirm3Params', 'DOMAIN', False, False),
    308: ('virDomainSetMemoryStatsPeriod', 'DOMAIN', False, False),
    309: ('virDomainCreateXMLWithFiles', 'DOMAIN', False, False),
    310: ('virDomainCreateWithFiles', 'DOMAIN', False, False),
    311: (None, 'NONE', False, True),
    312: ('virConnectGetCPUModelNames', 'DOMAIN', False, False),
    313: ('virConnectNetworkEventRegisterAny', 'NETWORK', True, False),
    314: ('virConnectNetworkEventDeregisterAny', 'NETWORK', True, False),
    315: (None, 'NONE', False, True),
    316: ('virConnectDomainEventRegisterAny', 'DOMAIN', True, False),
    317: ('virConnectDomainEventDeregisterAny', 'DOMAIN', True, False),
    318: (None, 'NONE', False, True),
    319: (None, 'NONE', False, True),
    320: (None, 'NONE', False, True),
    321: (None, 'NONE', False, True),
    322: (None, 'NONE', False, True),
    323: (None, 'NONE', False, True),
    324: (None, 'NONE', False, True),
    325: (None, 'NONE', False, True),
    326: (None, 'NONE', False, True),
    327: (None, 'NONE', False, True),
    328: (None, 'NONE', False, True),
    329: (None, 'NONE', False, True),
    330: (None, 'NONE', False, True),
    331: (None, 'NONE', False, True),
    332: (None, 'NONE', False, True),
    333: (None, 'NONE', False, True),
    334: ('virDomainCoreDumpWithFormat', 'DOMAIN', False, False),
    335: ('virDomainFSFreeze', 'DOMAIN', False, False),
    336: ('virDomainFSThaw', 'DOMAIN', False, False),
    337: ('virDomainGetTime', 'DOMAIN', False, False),
    338: ('virDomainSetTime', 'DOMAIN', False, False),
    339: (None, 'NONE', False, True),
    340: ('virNodeGetFreePages', 'DOMAIN', True, False),
    341: ('virNetworkGetDHCPLeases', 'NETWORK', False, False),
    342: ('virConnectGetDomainCapabilities', 'DOMAIN', False, False),
    343: ('virDomainOpenGraphicsFD', 'DOMAIN', False, False),
    344: ('virConnectGetAllDomainStats', 'DOMAIN', False, False),
    345: ('virDomainBlockCopy', 'DOMAIN', False, False),
    346: (None, 'NONE', False, True),
    347: ('virNodeAllocPages', 'DOMAIN', False, False),
    348: (None, 'NONE', False, True),
    349: ('virDomainGetFSInfo', 'DOMAIN', False, False),
    350: ('virDomainDefineXMLFlags', 'DOMAIN', True, False),
    351: ('virDomainGetIOThreadInfo', 'DOMAIN', False, False),
    352: ('virDomainPinIOThread', 'DOMAIN', False, False),
    353: ('virDomainInterfaceAddresses', 'DOMAIN', False, False),
    354: (None, 'NONE', False, True),
    355: ('virDomainAddIOThread', 'DOMAIN', False, False),
    356: ('virDomainDelIOThread', 'DOMAIN', False, False),
    357: ('virDomainSetUserPassword', 'DOMAIN', False, False),
    358: ('virDomainRename', 'DOMAIN', False, False),
    359: (None, 'NONE', False, True),
    360: ('virConnectRegisterCloseCallback', 'DOMAIN', True, False),
    361: ('virConnectUnregisterCloseCallback', 'DOMAIN', True, False),
    362: (None, 'NONE', False, True),
    363: (None, 'NONE', False, True),
    364: ('virDomainMigrateStartPostCopy', 'DOMAIN', False, False),
    365: ('virDomainGetPerfEvents', 'DOMAIN', False, False),
    366: ('virDomainSetPerfEvents', 'DOMAIN', False, False),
    367: (None, 'NONE', False, True),
    368: ('virConnectStoragePoolEventRegisterAny', 'STORAGE', True, False),
    369: ('virConnectStoragePoolEventDeregisterAny', 'STORAGE', True, False),
    370: (None, 'NONE', False, True),
    371: ('virDomainGetGuestVcpus', 'DOMAIN', False, False),
    372: ('virDomainSetGuestVcpus', 'DOMAIN', False, False),
    373: (None, 'NONE', False, True),
    374: ('virConnectNodeDeviceEventRegisterAny', 'NODEDEV', True, False),
    375: ('virConnectNodeDeviceEventDeregisterAny', 'NODEDEV', True, False),
    376: (None, 'NONE', False, True),
    377: (None, 'NONE', False, True),
    378: ('virStorageVolGetInfoFlags', 'STORAGE', True, False),
    379: (None, 'NONE', False, True),
    380: ('virConnectSecretEventRegisterAny', 'SECRET', True, False),
    381: ('virConnectSecretEventDeregisterAny', 'SECRET', True, False),
    382: (None, 'NONE', False, True),
    383: (None, 'NONE', False, True),
    384: ('virDomainSetVcpu', 'DOMAIN', False, False),
    385: (None, 'NONE', False, True),
    386: ('virDomainSetBlockThreshold', 'DOMAIN', False, False),
    387: ('virDomainMigrateGetMaxDowntime', 'DOMAIN', False, False),
    388: ('virDomainManagedSaveGetXMLDesc', 'DOMAIN', False, False),
    389: ('virDomainManagedSaveDefineXML', 'DOMAIN', False, False),
    390: ('virDomainSetLifecycleAction', 'DOMAIN', False, False),
    391: ('virStoragePoolLookupByTargetPath', 'STORAGE', True, False),
    392: ('virDomainDetachDeviceAlias', 'DOMAIN', False, False),
    393: ('virConnectCompareHypervisorCPU', 'DOMAIN', False, False),
    394: ('virConnectBaselineHypervisorCPU', 'DOMAIN', False, False),
    395: ('virNodeGetSEVInfo', 'DOMAIN', False, False),
    396: ('virDomainGetLaunchSecurityInfo', 'DOMAIN', False, False),
    397: ('virNWFilterBindingLookupByPortDev', 'NWFILTER', True, False),
    398: ('virNWFilterBindingGetXMLDesc', 'NWFILTER', True, False),
    399: ('virNWFilterBindingCreateXML', 'NWFILTER', True, False),
    400: ('virNWFilterBindingDelete', 'NWFILTER', True, False),
    401: ('virConnectListAllNWFilterBindings', 'NWFILTER', True, False),
    402: ('virDomainSetIOThreadParams', 'DOMAIN', False, False),
    403: ('virConnectGetStoragePoolCapabilities', 'STORAGE', False, False),
    404: ('virNetworkListAllPorts', 'NETWORK', True, False),
    405: ('virNetworkPortLookupByUUID', 'NETWORK', True, False),
    406: ('virNetworkPortCreateXML', 'NETWORK', False, False),
    407: ('virNetworkPortGetParameters', 'NETWORK', False, False),
    408: ('virNetworkPortSetParameters', 'NETWORK', False, False),
    409: ('virNetworkPortGetXMLDesc', 'NETWORK', False, False),
    410: ('virNetworkPortDelete', 'NETWORK', False, False),
    411: ('virDomainCheckpointCreateXML', 'DOMAIN_CHECKPOINT', False, False),
    412: ('virDomainCheckpointGetXMLDesc', 'DOMAIN_CHECKPOINT', False, False),
    413: ('virDomainListAllCheckpoints', 'DOMAIN_CHECKPOINT', True, False),
    414: ('virDomainCheckpointListAllChildren', 'DOMAIN_CHECKPOINT', True, False),
    415: ('virDomainCheckpointLookupByName', 'DOMAIN_CHECKPOINT', True, False),
    416: ('virDomainCheckpointGetParent', 'DOMAIN_CHECKPOINT', True, False),
    417: ('virDomainCheckpointDelete', 'DOMAIN_CHECKPOINT', False, False),
    418: ('virDomainGetGuestInfo', 'DOMAIN', False, False),
    419: ('virConnectSetIdentity', 'DOMAIN', False, False),
    420: ('virDomainAgentSetResponseTimeout', 'DOMAIN', False, False),
    421: ('virDomainBackupBegin', 'DOMAIN', False, False),
    422: ('virDomainBackupGetXMLDesc', 'DOMAIN', True, False),
    423: (None, 'NONE', False, True),
    424: ('virDomainAuthorizedSSHKeysGet', 'DOMAIN', False, False),
    425: ('virDomainAuthorizedSSHKeysSet', 'DOMAIN', False, False),
    426: ('virDomainGetMessages', 'DOMAIN', False, False),
    427: ('virDomainStartDirtyRateCalc', 'DOMAIN', False, False),
    428: ('virNodeDeviceDefineXML', 'NODEDEV', False, False),
    429: ('virNodeDeviceUndefine', 'NODEDEV', True, False),
    430: ('virNodeDeviceCreate', 'NODEDEV', True, False),
    431: ('virNWFilterDefineXMLFlags', 'NWFILTER', True, False),
    432: ('virNetworkDefineXMLFlags', 'NETWORK', True, False),
    433: ('virNodeDeviceGetAutostart', 'NODEDEV', True, False),
    434: ('virNodeDeviceSetAutostart', 'NODEDEV', True, False),
    435: ('virNodeDeviceIsPersistent', 'NODEDEV', True, False),
    436: ('virNodeDeviceIsActive', 'NODEDEV', True, False),
    437: ('virNetworkCreateXMLFlags', 'NETWORK', True, False),
    438: (None, 'NONE', False, True),
    439: ('virDomainSetLaunchSecurityState', 'DOMAIN', False, False),
    440: ('virDomainSaveParams', 'DOMAIN', False, False),
    441: ('virDomainRestoreParams', 'DOMAIN', False, False),
    442: ('virDomainAbortJobFlags', 'DOMAIN', False, False),
    443: ('virDomainFDAssociate', 'DOMAIN', False, False),
}
