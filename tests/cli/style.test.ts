/** Wrapping to the terminal's width and the word diff of `oos diff` (src/cli/style.ts, diffview.ts). */
import { describe, it, expect } from 'vitest'
import { wrapLine } from '../../src/cli/style.ts'
import { wordDiff } from '../../src/cli/diffview.ts'

describe('wrapping and word diff', () => {
  it('wraps at spaces with the indent of the text after a label, and cuts a word longer than a line', () => {
    expect(wrapLine('  rule:  one two three four five', 20)).toEqual(['  rule:  one two', '         three four', '         five'])
    expect(wrapLine('    - aaaa bbbb cccc dddd', 14)).toEqual(['    - aaaa', '      bbbb', '      cccc', '      dddd'])
    expect(wrapLine('x'.repeat(25), 10)).toEqual(['x'.repeat(10), '  ' + 'x'.repeat(8), '  ' + 'x'.repeat(7)])
    expect(wrapLine('\u001b[31mshort\u001b[39m', 5)).toEqual(['\u001b[31mshort\u001b[39m'])
  })

  it('marks only the words not in the common subsequence', () => {
    const d = wordDiff('a lease of 30 minutes', 'a lease of 45 whole minutes')
    expect(d.at.filter((_t, k) => d.a[k] && _t.trim() !== '')).toEqual(['30'])
    expect(d.bt.filter((_t, k) => d.b[k] && _t.trim() !== '')).toEqual(['45', 'whole'])
  })
})
