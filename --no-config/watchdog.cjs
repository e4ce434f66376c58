// vertex-retrain local stack: exit when the parent process goes away.
if (process.send) {
  process.on('disconnect', () => process.exit(137));
  if (process.channel) process.channel.unref();
}
// functions-framework has no host option and listens on every interface: pin bare-port listens to one address.
const host = process.env.VERTEX_RETRAIN_BIND_HOST;
if (host) {
  const net = require('node:net');
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    const bare = typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]));
    if (bare && typeof args[1] !== 'string') args.splice(1, 0, host);
    return listen.apply(this, args);
  };
}
