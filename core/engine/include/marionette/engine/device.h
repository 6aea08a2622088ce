#pragma once
// Where the networks run: the one device choice behind the command line's --device, the editor's Model > Device
// and its setting, the edit sessions, training and adaptation. No LibTorch here, so that every layer can name it;
// engine::resolveDevice (engine.h) turns it into a LibTorch device.
#include <string>

namespace marionette::engine {

enum class Device {
    Auto,  // CUDA when this LibTorch has it and a device is present, else the CPU
    Cpu,
    Cuda,  // refused with an error where CUDA is not available
};

// "auto", "cpu" or "cuda"; anything else throws marionette::Error naming it and the choices.
Device parseDevice(const std::string& text);
// "auto", "cpu" or "cuda": what parseDevice reads.
const char* toString(Device device);

}  // namespace marionette::engine
