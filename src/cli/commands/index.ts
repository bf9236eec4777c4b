import type { Command } from '../command.ts'
import { init, id } from './init.ts'
import { starter } from './new.ts'
import { publish } from './publish.ts'
import { show, log, diff, claims } from './read.ts'
import { verify, exportCmd, importCmd } from './car.ts'
import { start } from './start.ts'
import { demo } from './demo.ts'
import { TRUST_COMMANDS } from './trust.ts'
import { status, follow, unfollow, stop } from './net.ts'
import { audit } from './audit.ts'
import { conformance } from './conformance.ts'

export const COMMANDS: Command[] = [init, id, starter, publish, show, log, diff, claims, verify, exportCmd, importCmd, start, stop, status, follow, unfollow, audit, ...TRUST_COMMANDS, demo, conformance]
