/**
 * Write transactions (src/db/client.ts), on both engines: a transaction begun with a transaction's handle joins it,
 * all or nothing; a write begun meanwhile with the database handle is a transaction of its own, which the other's
 * failure does not undo. What is committed is read back over HTTP.
 */
import t from 'tap'
import { writeTransaction } from '../src/db/client.js'
import { createTopic } from '../src/topics/store.js'
import { build, type TestContext } from './helper.js'

const statusOf = async (ctx: TestContext, slug: string) =>
  (await ctx.app.inject(`/v1/topics/${slug}`)).statusCode

t.test('a transaction begun inside another joins it: all of it or none of it', async (t) => {
  const ctx = await build(t)
  const { db } = ctx.database
  await t.rejects(
    writeTransaction(db, async (tx) => {
      await createTopic(tx, { title: 'Outer undone' }, ctx.clock.now)
      await writeTransaction(tx, async (inner) => {
        t.equal(inner, tx, 'the inner transaction is the outer one')
        await createTopic(inner, { title: 'Inner undone' }, ctx.clock.now)
      })
      throw new Error('the outer transaction fails after the inner one finished')
    }),
    { message: 'the outer transaction fails after the inner one finished' },
  )
  t.equal(await statusOf(ctx, 'outer-undone'), 404)
  t.equal(await statusOf(ctx, 'inner-undone'), 404, 'the inner write is undone with the outer')

  await writeTransaction(db, async (tx) => {
    await createTopic(tx, { title: 'Outer kept' }, ctx.clock.now)
    await writeTransaction(tx, (inner) => createTopic(inner, { title: 'Inner kept' }, ctx.clock.now))
  })
  t.equal(await statusOf(ctx, 'outer-kept'), 200)
  t.equal(await statusOf(ctx, 'inner-kept'), 200)
})

t.test('a write begun meanwhile is its own transaction, not undone by the other', async (t) => {
  const ctx = await build(t)
  const { db } = ctx.database
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const failing = writeTransaction(db, async (tx) => {
    await createTopic(tx, { title: 'Undone' }, ctx.clock.now)
    await gate
    throw new Error('undone')
  })
  const meanwhile = writeTransaction(db, (tx) => createTopic(tx, { title: 'Kept' }, ctx.clock.now))
  setTimeout(release, 20)
  await t.rejects(failing, { message: 'undone' })
  await meanwhile
  t.equal(await statusOf(ctx, 'undone'), 404)
  t.equal(await statusOf(ctx, 'kept'), 200, 'the write begun meanwhile is committed')
})
