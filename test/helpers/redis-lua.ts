// An in-process Redis for the order-use store's scripts: the real Lua run by fengari (Lua
// 5.3 in JavaScript; Redis runs 5.1, the same for these scripts) against a Map, with the
// redis.call commands the scripts use as Redis answers them. So the scripts' logic is
// covered without a server; test/terms/uses-redis.test.ts runs them on a real Redis.
import fengari from 'fengari'

const { lua, lauxlib, lualib, to_luastring: text, to_jsstring: js } = fengari

export class LuaRedis {
  readonly values = new Map<string, { value: string, expiresAt?: number }>()
  calls = 0

  private get (key: string): string | undefined {
    const entry = this.values.get(key)
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) this.values.delete(key)
    return this.values.get(key)?.value
  }

  private command (name: string, args: string[]): string | number | null {
    const [key] = args as [string]
    switch (name.toUpperCase()) {
      case 'GET': return this.get(key) ?? null
      case 'INCR':
      case 'DECR': {
        const value = Number(this.get(key) ?? '0') + (name.toUpperCase() === 'INCR' ? 1 : -1)
        this.values.set(key, { ...this.values.get(key), value: String(value) })
        return value
      }
      case 'PEXPIREAT': {
        const entry = this.values.get(key)
        if (entry === undefined) return 0
        entry.expiresAt = Number(args[1])
        return 1
      }
      default: throw new Error(`LuaRedis does not know ${name}`)
    }
  }

  async eval (script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown> {
    this.calls++
    const L = lauxlib.luaL_newstate()
    lualib.luaL_openlibs(L)
    const list = (name: string, values: string[]) => {
      lua.lua_createtable(L, values.length, 0)
      values.forEach((value, i) => { lua.lua_pushstring(L, text(value)); lua.lua_rawseti(L, -2, i + 1) })
      lua.lua_setglobal(L, text(name))
    }
    list('KEYS', keysAndArgs.slice(0, numberOfKeys))
    list('ARGV', keysAndArgs.slice(numberOfKeys))
    lua.lua_createtable(L, 0, 1)
    lua.lua_pushcfunction(L, (state: unknown) => {
      const count = lua.lua_gettop(state)
      const args = Array.from({ length: count }, (_, i) => js(lauxlib.luaL_tolstring(state, i + 1)))
      lua.lua_settop(state, count)
      const answer = this.command(args[0]!, args.slice(1))
      if (answer === null) lua.lua_pushboolean(state, false) // Redis's nil bulk reply, as a script sees it
      else if (typeof answer === 'number') lua.lua_pushinteger(state, answer)
      else lua.lua_pushstring(state, text(answer))
      return 1
    })
    lua.lua_setfield(L, -2, text('call'))
    lua.lua_setglobal(L, text('redis'))
    if (lauxlib.luaL_loadstring(L, text(script)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
      throw new Error(`ERR ${js(lua.lua_tostring(L, -1))}`)
    }
    // Redis converts a Lua number to an integer reply.
    return lua.lua_isnumber(L, -1) ? Number(lua.lua_tointeger(L, -1)) : null
  }
}
