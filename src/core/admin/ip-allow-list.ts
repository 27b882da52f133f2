import net from 'node:net';
import { invalidInput } from '../errors.js';

/**
 * Which client addresses may use an API key: exact addresses or CIDR ranges, IPv4 or IPv6. An
 * empty list allows every address. IPv4-mapped IPv6 clients (`::ffff:10.0.0.7`, what a dual-stack
 * listener reports) match IPv4 entries: node's BlockList compares them as IPv4.
 */
export function checkAllowList(entries: readonly string[], flag = '--allow-ip'): string[] {
  return entries.map((entry) => {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = net.isIP(address);
    const max = family === 4 ? 32 : 128;
    const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || extra !== undefined || !(bits >= 0 && bits <= max)) {
      throw invalidInput(`${flag}: "${entry}" is not an IP address or CIDR range (e.g. 203.0.113.7 or 10.0.0.0/8)`);
    }
    return prefix === undefined ? address : `${address}/${bits}`;
  });
}

export function isAddressAllowed(entries: readonly string[], clientIp: string | undefined): boolean {
  if (entries.length === 0) return true;
  if (!clientIp || net.isIP(clientIp) === 0) return false;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = net.isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list.check(clientIp, net.isIP(clientIp) === 4 ? 'ipv4' : 'ipv6');
}
