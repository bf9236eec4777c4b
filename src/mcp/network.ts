/**
 * The tools over the network's indexes (MCP.md §2.1): search, similar claims and the feed.
 */
import type { ToolSpec } from './tool.ts'
import type { z } from 'zod'

export const NETWORK_TOOLS: Array<ToolSpec<z.ZodRawShape>> = []
