#include "marionette/engine/device.h"

#include "marionette/util/error.h"

namespace marionette::engine {

Device parseDevice(const std::string& text) {
    for (const Device device : {Device::Auto, Device::Cpu, Device::Cuda})
        if (text == toString(device)) return device;
    throw Error("unknown device \"" + text + "\" (expected auto, cpu or cuda)");
}

const char* toString(Device device) {
    switch (device) {
        case Device::Cpu:
            return "cpu";
        case Device::Cuda:
            return "cuda";
        case Device::Auto:
            break;
    }
    return "auto";
}

}  // namespace marionette::engine
